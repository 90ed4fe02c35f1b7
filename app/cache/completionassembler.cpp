#include "jsonhelpers.h"
#include "streamassembler.h"

#include <QJsonArray>

#include <map>

namespace cachette::cache {

namespace {

struct TextChoiceParts
{
    QString text;
    QJsonObject logprobs;   // legacy shape: parallel arrays (tokens, token_logprobs, ...)
    bool hasLogprobs = false;
    QJsonValue finishReason = QJsonValue::Null;
};

// Each legacy logprobs field is an array per token; a stream sends them chunk by chunk.
void mergeLogprobs(TextChoiceParts &choice, const QJsonValue &logprobs)
{
    if (!logprobs.isObject())
        return;
    choice.hasLogprobs = true;
    const QJsonObject fragment = logprobs.toObject();
    for (auto it = fragment.begin(); it != fragment.end(); ++it) {
        QJsonArray merged = choice.logprobs.value(it.key()).toArray();
        for (const QJsonValue &item : it.value().toArray())
            merged.append(item);
        choice.logprobs.insert(it.key(), merged);
    }
}

void mergeChoice(TextChoiceParts &choice, const QJsonObject &chunkChoice)
{
    choice.text += chunkChoice.value(QLatin1String("text")).toString();
    mergeLogprobs(choice, chunkChoice.value(QLatin1String("logprobs")));
    const QJsonValue finishReason = chunkChoice.value(QLatin1String("finish_reason"));
    if (finishReason.isString())
        choice.finishReason = finishReason;
}

} // namespace

QJsonObject assembleTextCompletion(const QList<QJsonObject> &chunks, const QJsonObject &usage)
{
    QJsonObject response;
    std::map<int, TextChoiceParts> choices;
    for (const QJsonObject &chunk : chunks) {
        for (const char *key : {"id", "created", "model", "system_fingerprint"})
            json::takeOnce(response, chunk, QLatin1String(key));
        for (const QJsonValue &value : chunk.value(QLatin1String("choices")).toArray()) {
            const QJsonObject chunkChoice = value.toObject();
            mergeChoice(choices[chunkChoice.value(QLatin1String("index")).toInt()], chunkChoice);
        }
    }

    QJsonArray choicesJson;
    for (const auto &[index, choice] : choices) {
        choicesJson.append(QJsonObject{
            {QLatin1String("text"), choice.text},
            {QLatin1String("index"), index},
            {QLatin1String("logprobs"),
             choice.hasLogprobs ? QJsonValue(choice.logprobs) : QJsonValue(QJsonValue::Null)},
            {QLatin1String("finish_reason"), choice.finishReason},
        });
    }
    response.insert(QLatin1String("object"), QStringLiteral("text_completion"));
    response.insert(QLatin1String("choices"), choicesJson);
    if (!usage.isEmpty())
        response.insert(QLatin1String("usage"), usage);
    return response;
}

} // namespace cachette::cache
