#pragma once

#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace cachette::ui {

// The Settings page's "Cache" group: the size limit, how long entries live (shown in the
// largest unit that says it exactly) and whether each API key has a cache of its own. It only
// edits; SettingsView saves and applies, as for every group.
class CacheGroup : public QGroupBox
{
    Q_OBJECT
public:
    // labelWidth: the page's one label width, so these fields line up with the other groups'.
    explicit CacheGroup(int labelWidth, QWidget *parent = nullptr);

    void load(qint64 sizeCapBytes, qint64 ttlSeconds, bool isolateByApiKey);
    qint64 sizeCapBytes() const;
    qint64 ttlSeconds() const;   // 0: entries never expire
    bool isolateByApiKey() const;

Q_SIGNALS:
    void edited();

private:
    void setTtl(qint64 seconds);

    QSpinBox *m_sizeCap;     // MiB
    QSpinBox *m_ttl;
    QComboBox *m_ttlUnit;    // seconds per unit in itemData
    QCheckBox *m_isolate;
};

} // namespace cachette::ui
