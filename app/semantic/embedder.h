#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace cachette::semantic {

using Vector = std::vector<float>;

// The result of one embed() call: one vector per input text, in order, or an error that a
// person can read ("embeddings endpoint http://127.0.0.1:11434/v1 answered 404: model
// "nomic-embed-text" not found, try pulling it first").
struct Embeddings
{
    QList<Vector> vectors;
    QString error;

    bool ok() const { return error.isEmpty(); }
    static Embeddings failure(const QString &message) { return {{}, message}; }
};

using EmbedCallback = std::function<void(const Embeddings &)>;

// Turns texts into vectors for the semantic cache. Vectors are L2-normalised by the cache
// before use, so an embedder may return any length; all its vectors must have dimension().
//
// id() names the embedder *and* everything that changes its vectors (kind, model, version,
// dimension): stored vectors are keyed by it, and vectors with different ids are never compared.
//
// Threading: an embedder is used on the thread that created it. embed() may call done before
// it returns (the local embedder does); done is never called after the embedder is destroyed.
class Embedder
{
public:
    virtual ~Embedder() = default;

    virtual QString id() const = 0;
    // What people call it in messages: "the built-in embedder", "nomic-embed-text".
    virtual QString displayName() const = 0;
    virtual int dimension() const = 0;   // 0 while unknown (a remote model not asked yet)

    // True when embedNow() works: the proxy then decides a lookup without waiting.
    virtual bool isSynchronous() const { return false; }
    virtual Embeddings embedNow(const QStringList &texts)
    {
        Q_UNUSED(texts);
        return Embeddings::failure(QStringLiteral("%1 only embeds asynchronously").arg(id()));
    }

    virtual void embed(const QStringList &texts, EmbedCallback done) = 0;
};

// Scales v to unit length (a zero vector stays zero); cosine similarity is then a dot product.
void normalize(Vector &v);
float dot(const float *a, const float *b, int dim);
// Exact: int32 sums cannot overflow below 133,000 dimensions (127² × dim < 2³¹).
qint32 dotInt8(const qint8 *a, const qint8 *b, int dim);

} // namespace cachette::semantic
