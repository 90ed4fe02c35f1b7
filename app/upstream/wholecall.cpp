#include "wholecall.h"

#include "curlmulti.h"

#include <QTimer>

#include <memory>

namespace cachette::upstream {
namespace {

WholeAnswer answerOf(UpstreamReply *reply, QByteArray body, bool timedOut)
{
    WholeAnswer answer;
    answer.status = reply->headReceived() ? reply->status() : 0;
    answer.body = std::move(body);
    answer.timedOut = timedOut;
    if (reply->failure() != UpstreamReply::Failure::None)
        answer.error = timedOut ? QStringLiteral("no whole answer in time") : reply->errorString();
    return answer;
}

} // namespace

void callWhole(CurlMulti *multi, const UpstreamRequest &request, int timeoutMs, QObject *context,
               std::function<void(const WholeAnswer &)> done)
{
    UpstreamReply *reply = multi->start(request);
    // A child of context: destroying context deletes the reply, which leaves the multi handle
    // without a signal, so done() never runs against a half-destroyed owner.
    reply->setParent(context);
    auto body = std::make_shared<QByteArray>();
    auto timedOut = std::make_shared<bool>(false);
    if (timeoutMs > 0) {
        auto *deadline = new QTimer(reply);
        deadline->setSingleShot(true);
        QObject::connect(deadline, &QTimer::timeout, reply, [reply, timedOut] {
            *timedOut = true;
            reply->abort();
        });
        deadline->start(timeoutMs);
    }
    QObject::connect(reply, &UpstreamReply::readyRead, reply,
                     [reply, body] { body->append(reply->readAll()); });
    QObject::connect(reply, &UpstreamReply::finished, context,
                     [reply, body, timedOut, done = std::move(done)] {
                         body->append(reply->readAll());
                         reply->deleteLater();
                         done(answerOf(reply, std::move(*body), *timedOut));
                     });
}

} // namespace cachette::upstream
