#pragma once

#include "store/usagestats.h"

#include <QJsonObject>
#include <QString>

namespace cachette {

// `cachette stats` and `cachette export-log`: read the request log of a data directory and
// exit. They open the database read-only, so they are safe next to a running proxy.
//
//   cachette stats [--data-dir DIR] [--since 7d|24h|30m|all] [--json]
//   cachette export-log --csv FILE [--data-dir DIR] [--since …]

// True when argv[1] names a subcommand.
bool isSubcommand(int argc, char *argv[]);
// Runs it with an application object of its own and returns the exit code: 0 done,
// 1 the data could not be read, 2 bad arguments.
int runSubcommand(int argc, char *argv[]);

// --since: "30s", "30m", "24h", "7d", "2w" → milliseconds; "all" → 0 (no limit).
bool parseSince(const QString &text, qint64 *ms);

// The stats as JSON: {"since": ISO-8601 UTC or null, "models": [{"model", "requests", "hits",
// "prompt_tokens", "completion_tokens", "cost_usd", "saved_usd"}], "totals": {the same but
// "model"}}. Tokens are spent tokens (hits excluded); cost_usd and saved_usd are null for
// "no price" (no line of that model had a known price). Split by route (--by route), the
// report's rows are routes: "routes": [{"route", …}], "" for the default /v1.
QJsonObject statsJson(const store::UsageReport &report, qint64 sinceMs,
                      const QString &group = QStringLiteral("model"));
// The same as a table for people, with hit rates, the saved tokens and time.
QString statsTable(const store::UsageReport &report, qint64 sinceMs,
                   const QString &group = QStringLiteral("model"));

// One RFC 4180 field: quoted when it holds a comma, a quote or a line break; quotes doubled.
QString csvField(const QString &text);

} // namespace cachette
