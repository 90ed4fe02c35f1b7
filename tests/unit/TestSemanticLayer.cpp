#include "semantic/semanticcache.h"
#include "semanticlayer.h"
#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cachette;

namespace {

const QString kChat = QStringLiteral("chat/completions");

QJsonObject chat(const QString &question)
{
    return QJsonObject{{"model", "gpt-4o-mini"},
                       {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", question}}}}};
}

// What the proxy does with an answer it stores: the entry to the Store, the request to the
// semantic cache.
void storeAnswer(store::Store &store, semantic::SemanticCache *cache, const QByteArray &key,
                 const QJsonObject &body)
{
    store::CacheEntry e;
    e.key = key;
    e.endpoint = kChat;
    e.model = body.value("model").toString();
    e.canonicalRequest = QJsonDocument(body).toJson(QJsonDocument::Compact);
    e.responseBody = "{}";
    store.put(e);
    cache->add(key, {}, kChat, body);
}

} // namespace

// The engine's semantic layer: vectors follow the entries and the settings.
class TestSemanticLayer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void turningMatchingOnEmbedsWhatWasStoredWhileOff();
    void storedVectorsLoadInTheBackground();
    void explainProbesWithoutTouchingTheLiveSettings();
};

// With matching off nothing is embedded on the miss path; turning it on must not leave the
// answers stored meanwhile unmatchable: a background job embeds them.
void TestSemanticLayer::turningMatchingOnEmbedsWhatWasStoredWhileOff()
{
    QTemporaryDir dir;
    store::Store store;
    QString error;
    QVERIFY2(store.open(dir.path(), &error), qPrintable(error));
    SemanticLayer layer(&store);
    QVERIFY2(layer.open(store.databasePath(), &error), qPrintable(error));
    QTRY_VERIFY(!layer.cache()->isLoading());   // nothing stored yet: done at once
    SemanticConfig off;
    off.settings.threshold = 1.0f;
    layer.configure(off);

    const QString question = QStringLiteral("How do I undo the last git commit but keep my changes?");
    storeAnswer(store, layer.cache(), "stored-while-off", chat(question));
    store.flush();
    QCOMPARE(layer.cache()->size(), 0);
    QVERIFY(!layer.isRebuilding());

    QSignalSpy finished(&layer, &SemanticLayer::rebuildFinished);
    layer.configure(SemanticConfig());   // the default threshold: matching on
    QVERIFY(layer.isRebuilding());
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().first().toBool(), true);
    QCOMPARE(layer.cache()->size(), 1);
    const semantic::Decision d = layer.cache()->decide(
        {}, kChat, chat(QStringLiteral("how do i undo the last git commit but keep my changes")));
    QVERIFY2(d.isHit(), qPrintable(d.reason));
    QCOMPARE(d.match->entryKey, QByteArray("stored-while-off"));

    // Settings that turn nothing on start no job.
    SemanticConfig stricter;
    stricter.settings.threshold = 0.95f;
    layer.configure(stricter);
    QVERIFY(!layer.isRebuilding());
}

// At start the stored vectors are read on a thread of their own: open() returns at once,
// lookups say NotReady until the index is built, and an entry removed meanwhile stays out.
void TestSemanticLayer::storedVectorsLoadInTheBackground()
{
    QTemporaryDir dir;
    const int count = 1000;
    auto question = [](int i) {
        return QStringLiteral("Question %1: how do I configure service %2 for production?")
            .arg(i).arg(QString::number(i * 7919, 36));
    };
    {
        store::Store store;
        QVERIFY(store.open(dir.path()));
        SemanticLayer layer(&store);
        QVERIFY(layer.open(store.databasePath()));
        for (int i = 0; i < count; ++i)
            storeAnswer(store, layer.cache(), "k" + QByteArray::number(i), chat(question(i)));
        store.flush();
    }   // the layer flushes its vectors on close

    store::Store store;
    QVERIFY(store.open(dir.path()));
    SemanticLayer layer(&store);
    QSignalSpy loaded(layer.cache(), &semantic::SemanticCache::loaded);
    QVERIFY(layer.open(store.databasePath()));
    QVERIFY(layer.cache()->isLoading());
    QCOMPARE(layer.cache()->decide({}, kChat, chat(question(1))).outcome,
             semantic::Decision::Outcome::NotReady);
    store.removeEntries({"k7"});
    QVERIFY(loaded.wait(30000));
    QTRY_VERIFY(!layer.cache()->contains("k7"));   // however the removal and the read crossed
    QCOMPARE(layer.cache()->size(), count - 1);
    const semantic::Decision d = layer.cache()->decide({}, kChat, chat(question(42)));
    QVERIFY2(d.isHit(), qPrintable(d.reason));
    QCOMPARE(d.match->entryKey, QByteArray("k42"));
    const semantic::Decision removed = layer.cache()->decide({}, kChat, chat(question(7)));
    QVERIFY(!removed.match || removed.match->entryKey != "k7");
}

// The Thresholds page's tuner asks what a lookup would decide with matching on; the proxy's own
// lookups keep deciding with the settings the user saved.
void TestSemanticLayer::explainProbesWithoutTouchingTheLiveSettings()
{
    using Outcome = semantic::Decision::Outcome;
    QTemporaryDir dir;
    store::Store store;
    QVERIFY(store.open(dir.path()));
    SemanticLayer layer(&store);
    QVERIFY(layer.open(store.databasePath()));
    QCOMPARE(layer.embedderName(), QStringLiteral("the built-in embedder"));
    const QString asked = QStringLiteral("How do I rotate the API keys of the staging cluster?");
    QTRY_VERIFY(!layer.cache()->isLoading());
    storeAnswer(store, layer.cache(), "k1", chat(asked));
    QTRY_VERIFY(layer.cache()->contains("k1"));   // indexed

    semantic::SemanticSettings off = layer.cache()->settings();
    off.enabled = false;
    off.candidates = 3;
    layer.cache()->setSettings(off);
    const semantic::Decision probed = layer.explain({}, kChat, chat(asked));
    QCOMPARE(probed.outcome, Outcome::NotApplicable);
    QVERIFY2(probed.reason.contains(QLatin1String("off for gpt-4o-mini")), qPrintable(probed.reason));
    QVERIFY(!probed.match);
    QCOMPARE(probed.threshold, off.thresholdFor(QStringLiteral("gpt-4o-mini")));
    QCOMPARE(layer.cache()->settings().enabled, false);   // the probe's settings are gone
    QCOMPARE(layer.cache()->settings().candidates, 3);
    QCOMPARE(layer.cache()->decide({}, kChat, chat(asked)).outcome, Outcome::NotApplicable);

    semantic::SemanticSettings on = off;
    on.enabled = true;
    layer.cache()->setSettings(on);
    const semantic::Decision hit = layer.explain({}, kChat, chat(asked));
    QVERIFY2(hit.isHit(), qPrintable(hit.reason));
    QCOMPARE(hit.match->entryKey, QByteArray("k1"));
    QCOMPARE(layer.cache()->settings().candidates, 3);
}

QTEST_GUILESS_MAIN(TestSemanticLayer)
#include "TestSemanticLayer.moc"
