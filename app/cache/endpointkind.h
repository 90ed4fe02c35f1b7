#pragma once

#include <QString>

namespace cachette::cache {

// The answer shape an endpoint speaks. Callers name endpoints without the API prefix
// ("chat/completions"); a leading "/" or "/v1/" is tolerated so a raw path works too.
enum class EndpointKind { Chat, Completions, Embeddings, AnthropicMessages, Responses, Other };

EndpointKind endpointKind(const QString &endpoint);

} // namespace cachette::cache
