#pragma once

#include "upstream/upstreamreply.h"

#include <QString>

namespace cachette::proxy {

// What went wrong with a provider call, said the way the client and the log should hear it:
// what happened and whether the provider may have seen the request, never a vague
// "could not reach".
struct UpstreamProblem
{
    int status = 502;
    QString code;      // upstream_unreachable | upstream_closed | upstream_truncated | upstream_timeout
    QString message;
};

// timeoutSeconds > 0: the call was stopped because the provider was silent that long.
// eventsRelayed ≥ 0: the answer was a stream and that many events had arrived.
UpstreamProblem describeProblem(const upstream::UpstreamReply &reply, int timeoutSeconds,
                                int eventsRelayed = -1);

// The stream event that ends a stream cut short, in the endpoint's dialect: OpenAI's
// data: {"error":{…}} or Anthropic's event: error. SDKs raise it as an error, where a bare end
// would pass half an answer off as whole.
QByteArray streamErrorEvent(const QString &endpoint, const UpstreamProblem &problem);

} // namespace cachette::proxy
