// Must not compile: the engine links Qt Core, Network and Sql only.
#include <QWidget>
