#pragma once

#include <QHash>
#include <QTableView>

namespace cachette::ui {

class EntryTableModel;

// The cache table: whole rows selected, a row per scroll step, columns sized for their
// usual text, newest first. On a narrow window the least useful columns make way for the
// prompt, and come back once there is room.
class EntryTableView : public QTableView
{
    Q_OBJECT
public:
    explicit EntryTableView(EntryTableModel *model, QWidget *parent = nullptr);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void setUpRows();
    void setUpColumns();
    void fitColumns();

    QHash<int, int> m_hiddenWidths;   // columns fitColumns() hid, and their widths
};

} // namespace cachette::ui
