// A download that a SIGKILL cuts off goes on from its part file when the batch is resumed:
// nginx is asked for the rest (Range, If-Range) and answers 206, and the file ends up
// byte-identical to the source. When the source changed meanwhile, nginx sends it whole and
// the record says it was downloaded in full. Against the nginx fixture, whose static files
// carry an ETag and a Last-Modified date.
#include "support/CommandRun.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {
QString nginxDir()
{
    return qEnvironmentVariable("LOOPSCOPE_NGINX_DIR");
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

qint64 accessLogSize()
{
    return QFileInfo(nginxDir() + u"/access.log"_s).size();
}

// Lines of nginx's access log, from byte `from` on, that name this path.
QStringList logged(const QString &path, qint64 from)
{
    QStringList lines;
    for (const QString &line : QString::fromUtf8(readAll(nginxDir() + u"/access.log"_s).mid(from)).split(u'\n')) {
        if (line.contains(u"GET "_s + path + u' '))
            lines << line;
    }
    return lines;
}
} // namespace

class TestRangeResume : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_nginx;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_nginx = QString::fromUtf8(readAll(nginxDir() + u"/port"_s)).trimmed();
        QVERIFY2(!m_nginx.isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
    }

    void aKilledDownloadGoesOnFromItsPart_data()
    {
        QTest::addColumn<bool>("sourceChanges");
        QTest::newRow("same source: the rest is fetched") << false;
        QTest::newRow("changed source: fetched in full") << true;
    }

    void aKilledDownloadGoesOnFromItsPart()
    {
        QFETCH(bool, sourceChanges);
        const QString name = u"resume-%1.bin"_s.arg(sourceChanges ? u"changed"_s : u"same"_s);
        const QString served = nginxDir() + u"/www/bytes/"_s + name;
        constexpr qsizetype Size = 1024 * 1024;
        QVERIFY(writeAll(served, randomBytes(Size)));
        const QString path = u"/bytes/"_s + name;
        const QString list = m_dir.filePath(name + u".txt"_s);
        QVERIFY(writeAll(list, u"http://127.0.0.1:%1%2\n"_s.arg(m_nginx, path).toUtf8()));
        const QString out = m_dir.filePath(name + u".out"_s);
        const QString db = m_dir.filePath(name + u".sqlite"_s);

        const qint64 logFrom = accessLogSize();
        // Slow enough to be stopped part way: 1 MiB at 256 KiB/s.
        QProcess doomed;
        doomed.start(qEnvironmentVariable("LOOPSCOPE_BIN"),
                     {u"fetch"_s, u"-q"_s, u"--db"_s, db, u"--limit-rate"_s, u"256k"_s, u"--output-dir"_s, out, list});
        QVERIFY(doomed.waitForStarted());
        qint64 partBytes = 0;
        QVERIFY2(QTest::qWaitFor([&] {
                     const QFileInfoList parts = QDir(out).entryInfoList({u".*.part-*"_s}, QDir::Files | QDir::Hidden);
                     partBytes = parts.isEmpty() ? 0 : parts.first().size();
                     return partBytes >= 64 * 1024 || doomed.state() == QProcess::NotRunning;
                 }, 60'000),
                 "no part file grew");
        ::kill(pid_t(doomed.processId()), SIGKILL);
        QVERIFY(doomed.waitForFinished(30'000));
        QCOMPARE(doomed.exitStatus(), QProcess::CrashExit);
        QVERIFY2(!QFile::exists(out + u'/' + name), "the download finished before it could be stopped");

        QByteArray source = readAll(served);
        if (sourceChanges) {
            // One byte longer, so that the ETag (mtime and size) changes within the same second too.
            source = randomBytes(Size + 4);
            QVERIFY(writeAll(served, source));
        }
        const QString jsonl = m_dir.filePath(name + u".jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun resume, runLoopscope({u"resume"_s, u"-q"_s, u"--db"_s, db, u"--jsonl"_s, jsonl}));
        QVERIFY2(resume.exitCode == 0, qPrintable(resume.err));

        QCOMPARE(readAll(out + u'/' + name), source);
        QVERIFY2(QDir(out).entryList(QDir::Files | QDir::Hidden).size() == 1, "a part or resume file was left behind");
        const QJsonObject record = QJsonDocument::fromJson(readAll(jsonl)).object();
        QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
        const QString note = record[u"note"].toString();
        const QStringList requests = logged(path, logFrom);
        QVERIFY2(requests.size() == 2, qPrintable(requests.join(u'\n')));
        if (sourceChanges) {
            QVERIFY2(note.contains(u"downloaded in full"_s), qPrintable(note));
            QVERIFY2(requests.last().contains(u"\" 200 "_s), qPrintable(requests.last()));
            QCOMPARE(record[u"http_status"].toInt(), 200);
        } else {
            QVERIFY2(note.startsWith(u"resumed at "_s), qPrintable(note));
            QVERIFY2(requests.last().contains(u"\" 206 "_s), qPrintable(requests.last()));
            QCOMPARE(record[u"http_status"].toInt(), 206);
            // It went on from at least what the part held when it was stopped.
            const qint64 resumedAt = note.sliced(11).section(u' ', 0, 0).remove(u',').toLongLong();
            QVERIFY2(resumedAt >= partBytes && resumedAt < Size, qPrintable(note));
        }
        QFile::remove(served);
    }

    void aPartOfAnotherUrlIsNotContinued()
    {
        // The same task id and file name, but the part came from elsewhere: it is replaced.
        const QString name = u"resume-other.bin"_s;
        const QString served = nginxDir() + u"/www/bytes/"_s + name;
        const QByteArray source = randomBytes(64 * 1024);
        QVERIFY(writeAll(served, source));
        const QString out = m_dir.filePath(u"other.out"_s);
        QVERIFY(QDir().mkpath(out));
        QVERIFY(writeAll(out + u"/."_s + name + u".part-1"_s, QByteArray(1000, 'x')));
        QVERIFY(writeAll(out + u"/."_s + name + u".part-1.resume"_s, "http://elsewhere.invalid/x\n\"etag\"\n"));
        const QString list = m_dir.filePath(u"other.txt"_s);
        QVERIFY(writeAll(list, u"http://127.0.0.1:%1/bytes/%2\n"_s.arg(m_nginx, name).toUtf8()));
        const QString jsonl = m_dir.filePath(u"other.jsonl"_s);
        ASSIGN_OR_FAIL(const CommandRun fetch, runLoopscope({u"fetch"_s, u"-q"_s, u"--db"_s, m_dir.filePath(u"other.sqlite"_s), u"--jsonl"_s, jsonl,
                                                               u"--output-dir"_s, out, list}));
        QVERIFY2(fetch.exitCode == 0, qPrintable(fetch.err));
        QCOMPARE(readAll(out + u'/' + name), source);
        const QJsonObject record = QJsonDocument::fromJson(readAll(jsonl)).object();
        QCOMPARE(record[u"note"].toString(), QString());
        QCOMPARE(QDir(out).entryList(QDir::Files | QDir::Hidden), QStringList{name});
        QFile::remove(served);
    }
};

QTEST_GUILESS_MAIN(TestRangeResume)
#include "tst_range_resume.moc"
