#include "endpointkind.h"

namespace cachette::cache {

EndpointKind endpointKind(const QString &endpoint)
{
    QStringView path(endpoint);
    while (path.startsWith(u'/'))
        path = path.mid(1);
    if (path.startsWith(u"v1/"))
        path = path.mid(3);
    if (path == u"chat/completions")
        return EndpointKind::Chat;
    if (path == u"completions")
        return EndpointKind::Completions;
    if (path == u"embeddings")
        return EndpointKind::Embeddings;
    if (path == u"messages")
        return EndpointKind::AnthropicMessages;
    if (path == u"responses")   // the OpenAI Responses API
        return EndpointKind::Responses;
    return EndpointKind::Other;
}

} // namespace cachette::cache
