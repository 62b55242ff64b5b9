// `loopscope fetch` on the wire, as a process against the nginx fixture: the phases of each
// request's timings, HTTP/2 over TLS, connections kept for later requests, the batch's rate limit
// and proxies. What reached nginx, on which connection and through which server, is read back
// from the fixture's connections.log and proxy.log (see tests/nginx/nginx.conf.in). Durations are
// asserted as lower bounds only.
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include "support/NginxFixture.h"
#include "support/CommandRun.h"

using namespace Qt::StringLiterals;

namespace {
// A loopback port nobody listens on.
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

// The environment without any proxy variable, so that a test decides which ones the command sees.
QProcessEnvironment environmentWithoutProxies()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : {u"http_proxy"_s, u"https_proxy"_s, u"all_proxy"_s, u"no_proxy"_s, u"HTTP_PROXY"_s, u"HTTPS_PROXY"_s,
                                u"ALL_PROXY"_s, u"NO_PROXY"_s})
        environment.remove(name);
    return environment;
}

QList<QJsonObject> readJsonl(const QString &path)
{
    QFile file(path);
    QList<QJsonObject> records;
    if (!file.open(QIODevice::ReadOnly))
        return records;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine();
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !line.endsWith('\n'))
            qFatal("bad JSONL line: %s", line.constData());
        records.append(document.object());
    }
    return records;
}

// One line of the fixture's connections.log or proxy.log: "PORT CONNECTION REQUESTS_ON_IT "REQUEST_LINE"".
struct LogLine {
    int port = 0;
    qint64 connection = 0;
    int requestsOnConnection = 0;
    QString request; // "GET /ok?x HTTP/1.1"
};

// The lines of a fixture log whose request line contains `needle`.
QList<LogLine> logLines(const QString &logName, const QString &needle)
{
    static const QRegularExpression pattern(u"^(\\d+) (\\d+) (\\d+) \"(.*)\"$"_s);
    QFile file(nginxPath(logName));
    QList<LogLine> lines;
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        const QRegularExpressionMatch match = pattern.match(line);
        if (match.hasMatch() && match.captured(4).contains(needle))
            lines.append({match.captured(1).toInt(), match.captured(2).toLongLong(), match.captured(3).toInt(), match.captured(4)});
    }
    return lines;
}

// Those lines once there are at least `count` of them: nginx writes a request's line after the
// response went out, so a client that already has its answer may be a moment ahead of the log.
loopscope::Result<QList<LogLine>> logLinesOnceWritten(const QString &logName, const QString &needle, qsizetype count)
{
    constexpr int TimeoutMs = 10'000;
    QList<LogLine> lines;
    if (!QTest::qWaitFor([&] { return (lines = logLines(logName, needle)).size() >= count; }, TimeoutMs))
        return loopscope::Failure{loopscope::ErrorKind::Timeout, u"%1 has %2 of the %3 lines with \"%4\" after %5"_s.arg(
                                                                     logName, QString::number(lines.size()), QString::number(count),
                                                                     needle, waitSeconds(TimeoutMs))};
    return lines;
}

// The command's result and the JSONL records it wrote.
struct Fetched {
    CommandRun run;
    QList<QJsonObject> records;
};
} // namespace

class TestTransport : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_base;  // http://127.0.0.1:PORT
    QString m_tlsBase; // https://127.0.0.1:TLS_PORT
    QString m_proxy; // http://127.0.0.1:PROXY_PORT
    QString m_tag;   // in every URL this run fetches, so that its lines stand out in the shared logs
    int m_runs = 0;

    // A URL of the fixture whose query names this run and `what`, e.g. url(m_base, "/ok", "reuse-3").
    QString url(const QString &base, const QString &path, const QString &what) const
    {
        return base + path + u"?transport-"_s + m_tag + u'-' + what;
    }

    // What the request lines of url(…, what) contain; with `exact`, nothing that a longer `what` has too.
    QString marker(const QString &what, bool exact = true) const
    {
        return u"transport-"_s + m_tag + u'-' + what + (exact ? u" "_s : QString());
    }

    // A data row's tag as a part of a URL's query: "no_proxy *" -> "no_proxy__".
    static QString rowName()
    {
        return QString::fromLatin1(QTest::currentDataTag()).replace(QRegularExpression(u"\\W"_s), u"_"_s);
    }

    // Runs `loopscope fetch ARGUMENTS --jsonl … --db … LIST` on the URLs, with a history database of
    // its own so that no user history is touched, and reads back the records.
    loopscope::Result<Fetched> fetch(const QStringList &arguments, const QStringList &urls,
                                     const QProcessEnvironment &environment = environmentWithoutProxies())
    {
        const QString run = QString::number(++m_runs);
        const QString list = m_dir.filePath(u"list-"_s + run + u".txt"_s);
        const QString jsonl = m_dir.filePath(u"records-"_s + run + u".jsonl"_s);
        QFile file(list);
        if (!file.open(QIODevice::WriteOnly) || file.write(urls.join(u'\n').toUtf8() + '\n') < 0)
            return loopscope::Failure{loopscope::ErrorKind::Disk, u"cannot write "_s + list};
        file.close();
        auto result = runLoopscope(QStringList{u"fetch"_s, u"-q"_s, u"--db"_s, m_dir.filePath(u"history-"_s + run + u".sqlite"_s),
                                               u"--jsonl"_s, jsonl}
                                       + arguments + QStringList{list},
                                   {}, environment);
        if (!result.ok())
            return result.failure();
        return Fetched{std::move(result).value(), readJsonl(jsonl)};
    }

    // The environment without proxy variables but these, "NAME=VALUE" each, where "PROXY" in a
    // VALUE stands for the fixture's proxy.
    QProcessEnvironment environmentWith(const QStringList &variables) const
    {
        QProcessEnvironment environment = environmentWithoutProxies();
        for (const QString &variable : variables)
            environment.insert(variable.section(u'=', 0, 0), variable.section(u'=', 1).replace(u"PROXY"_s, m_proxy));
        return environment;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!nginxFile(u"port"_s).isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
        QVERIFY2(!nginxFile(u"proxy-port"_s).isEmpty(), "the nginx fixture has no proxy (LOOPSCOPE_NGINX_DIR/proxy-port)");
        QVERIFY(QFile::exists(qEnvironmentVariable("LOOPSCOPE_BIN")));
        QVERIFY(m_dir.isValid());
        m_base = u"http://127.0.0.1:"_s + nginxFile(u"port"_s);
        m_tlsBase = u"https://127.0.0.1:"_s + nginxFile(u"tls-port"_s);
        m_proxy = u"http://127.0.0.1:"_s + nginxFile(u"proxy-port"_s);
        m_tag = QUuid::createUuid().toString(QUuid::WithoutBraces);
    }

    void timingsAreOrderedPhases_data()
    {
        QTest::addColumn<bool>("tls");
        QTest::newRow("http") << false;
        QTest::newRow("https") << true;
    }

    // Each phase's time counts from the start of the request, so each one ends no earlier than the one before.
    void timingsAreOrderedPhases()
    {
        QFETCH(bool, tls);
        const QString target = url(tls ? m_tlsBase : m_base, u"/ok"_s, u"timings"_s);
        ASSIGN_OR_FAIL(const Fetched fetched, fetch({u"--ca-file"_s, nginxPath(u"tls-cert.pem"_s)}, {target}));
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), 1);
        const QJsonObject record = fetched.records.first();
        QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
        const QJsonObject timings = record[u"timings"].toObject();
        const QString shown = QString::fromUtf8(QJsonDocument(timings).toJson(QJsonDocument::Compact));
        const QStringList phases{u"dns_ms"_s, u"connect_ms"_s, u"tls_ms"_s, u"ttfb_ms"_s, u"total_ms"_s};
        for (const QString &phase : phases)
            QVERIFY2(timings[phase].isDouble() && timings[phase].toDouble() >= 0, qPrintable(phase + u" in "_s + shown));
        for (qsizetype i = 1; i < phases.size(); ++i)
            QVERIFY2(timings[phases[i - 1]].toDouble() <= timings[phases[i]].toDouble(),
                     qPrintable(phases[i - 1] + u" > "_s + phases[i] + u" in "_s + shown));
        QVERIFY2(timings[u"total_ms"].toDouble() > 0, qPrintable(shown));
        QVERIFY2(timings[u"transfer_ms"].isDouble(), qPrintable(shown));
        const double transferMs = timings[u"total_ms"].toDouble() - timings[u"ttfb_ms"].toDouble();
        QVERIFY2(qAbs(timings[u"transfer_ms"].toDouble() - transferMs) < 0.0015, qPrintable(shown)); // both in whole microseconds
        QCOMPARE(record[u"remote_ip"].toString(), u"127.0.0.1"_s);
    }

    void httpVersion_data()
    {
        QTest::addColumn<bool>("tls");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("requestProtocol"); // as nginx logs the request line
        QTest::newRow("https: HTTP/2") << true << QStringList{} << u"2"_s << u"HTTP/2.0"_s;
        QTest::newRow("https with --http1.1") << true << QStringList{u"--http1.1"_s} << u"1.1"_s << u"HTTP/1.1"_s;
        QTest::newRow("http: HTTP/1.1") << false << QStringList{} << u"1.1"_s << u"HTTP/1.1"_s;
    }

    // HTTP/2 wherever the server offers it over TLS, unless --http1.1; the record says what the
    // server saw.
    void httpVersion()
    {
        QFETCH(bool, tls);
        QFETCH(QStringList, arguments);
        QFETCH(QString, version);
        QFETCH(QString, requestProtocol);
        const QString what = u"version-"_s + rowName();
        ASSIGN_OR_FAIL(const Fetched fetched,
                       fetch(arguments + QStringList{u"--ca-file"_s, nginxPath(u"tls-cert.pem"_s)}, {url(tls ? m_tlsBase : m_base, u"/ok"_s, what)}));
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), 1);
        QCOMPARE(fetched.records.first()[u"http_version"].toString(), version);
        ASSIGN_OR_FAIL(const QList<LogLine> lines, logLinesOnceWritten(u"connections.log"_s, marker(what), 1));
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().request.endsWith(u' ' + requestProtocol), qPrintable(lines.first().request));
    }

    // Later requests to a host go over the connections the first ones opened, and the records
    // say which did.
    void connectionsAreReused()
    {
        constexpr int Requests = 20;
        QStringList urls;
        for (int i = 0; i < Requests; ++i)
            urls << url(m_base, u"/ok"_s, u"reuse-"_s + QString::number(i));
        ASSIGN_OR_FAIL(const Fetched fetched, fetch({u"-j"_s, u"2"_s}, urls));
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), Requests);
        int reused = 0;
        for (const QJsonObject &record : fetched.records) {
            QCOMPARE(record[u"state"].toString(), u"succeeded"_s);
            QVERIFY2(record[u"reused"].isBool(), qPrintable(record[u"url"].toString()));
            reused += record[u"reused"].toBool() ? 1 : 0;
        }
        ASSIGN_OR_FAIL(const QList<LogLine> lines, logLinesOnceWritten(u"connections.log"_s, marker(u"reuse-"_s, false), Requests));
        QCOMPARE(lines.size(), Requests);
        QSet<qint64> connections;
        int mostOnOneConnection = 0;
        for (const LogLine &line : lines) {
            connections.insert(line.connection);
            mostOnOneConnection = std::max(mostOnOneConnection, line.requestsOnConnection);
        }
        QVERIFY2(mostOnOneConnection > 1, "every request came on a connection of its own");
        QVERIFY2(connections.size() < Requests, "every request came on a connection of its own");
        QVERIFY(reused > 0);
        // A request that did not reuse a connection opened one: as many as nginx saw.
        QCOMPARE(Requests - reused, connections.size());
    }

    void limitRateSlowsABody()
    {
        const QString target = url(m_base, u"/bytes/3145728"_s, u"rate"_s);
        QElapsedTimer clock;
        clock.start();
        ASSIGN_OR_FAIL(const Fetched fetched, fetch({u"--limit-rate"_s, u"1M"_s}, {target}));
        const qint64 elapsedMs = clock.elapsed();
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), 1);
        QCOMPARE(fetched.records.first()[u"bytes"].toInteger(), 3 * 1024 * 1024);
        // 3 MiB at 1 MiB/s: about 3 s; at least 2 s even with the limiter's initial credit.
        QVERIFY2(elapsedMs >= 2000, qPrintable(u"3 MiB at 1M took only %1 ms"_s.arg(elapsedMs)));
    }

    // The limit is for the batch: two transfers at once share it rather than get it each.
    void limitRateHoldsForTheWholeBatch()
    {
        const QStringList urls{url(m_base, u"/bytes/3145728"_s, u"batch-rate-1"_s), url(m_base, u"/bytes/3145728"_s, u"batch-rate-2"_s)};
        QElapsedTimer clock;
        clock.start();
        ASSIGN_OR_FAIL(const Fetched fetched, fetch({u"-j"_s, u"2"_s, u"--limit-rate"_s, u"2M"_s}, urls));
        const qint64 elapsedMs = clock.elapsed();
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), 2);
        for (const QJsonObject &record : fetched.records)
            QCOMPARE(record[u"bytes"].toInteger(), 3 * 1024 * 1024);
        // 6 MiB at 2 MiB/s: about 3 s; a limit per transfer would let both through in about 1.5 s.
        QVERIFY2(elapsedMs >= 2500, qPrintable(u"6 MiB at 2M took only %1 ms"_s.arg(elapsedMs)));
    }

    void proxyIsUsed_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("variables"); // for environmentWith()
        QTest::newRow("--proxy") << QStringList{u"--proxy"_s, u"PROXY"_s} << QStringList{};
        QTest::newRow("http_proxy") << QStringList{} << QStringList{u"http_proxy=PROXY"_s};
        QTest::newRow("all_proxy") << QStringList{} << QStringList{u"all_proxy=PROXY"_s};
        QTest::newRow("--proxy despite no_proxy") << QStringList{u"--proxy"_s, u"PROXY"_s} << QStringList{u"no_proxy=127.0.0.1"_s};
    }

    void proxyIsUsed()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, variables);
        arguments.replaceInStrings(u"PROXY"_s, m_proxy);
        const QProcessEnvironment environment = environmentWith(variables);
        const QString what = u"proxied-"_s + rowName();
        const QString target = url(m_base, u"/ok"_s, what);
        ASSIGN_OR_FAIL(const Fetched fetched, fetch(arguments, {target}, environment));
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), 1);
        QCOMPARE(fetched.records.first()[u"http_status"].toInt(), 200);
        ASSIGN_OR_FAIL(const QList<LogLine> proxied, logLinesOnceWritten(u"proxy.log"_s, marker(what), 1));
        QCOMPARE(proxied.size(), 1);
        // A proxy is asked for the whole URL, not just its path.
        QCOMPARE(proxied.first().request, u"GET "_s + target + u" HTTP/1.1"_s);
    }

    void proxyIsBypassed_data()
    {
        QTest::addColumn<QStringList>("variables");
        QTest::newRow("no_proxy names the host") << QStringList{u"http_proxy=PROXY"_s, u"no_proxy=127.0.0.1"_s};
        QTest::newRow("no_proxy *") << QStringList{u"all_proxy=PROXY"_s, u"no_proxy=*"_s};
        // A CGI environment lets a client set HTTP_PROXY (the Proxy: header), so it does not count.
        QTest::newRow("HTTP_PROXY alone") << QStringList{u"HTTP_PROXY=PROXY"_s};
        QTest::newRow("https_proxy for http") << QStringList{u"https_proxy=PROXY"_s};
    }

    void proxyIsBypassed()
    {
        QFETCH(QStringList, variables);
        const QProcessEnvironment environment = environmentWith(variables);
        const QString what = u"direct-"_s + rowName();
        ASSIGN_OR_FAIL(const Fetched fetched, fetch({}, {url(m_base, u"/ok"_s, what)}, environment));
        QCOMPARE(fetched.run.exitCode, 0);
        QCOMPARE(fetched.records.size(), 1);
        QCOMPARE(fetched.records.first()[u"http_status"].toInt(), 200);
        ASSIGN_OR_FAIL(const QList<LogLine> direct, logLinesOnceWritten(u"connections.log"_s, marker(what), 1));
        QCOMPARE(direct.size(), 1);
        // Had the request gone through the proxy, the proxy would have logged it before a request
        // sent through it afterwards.
        const QString after = what + u"-then-proxied"_s;
        ASSIGN_OR_FAIL(const Fetched proxied, fetch({u"--proxy"_s, m_proxy}, {url(m_base, u"/ok"_s, after)}));
        QCOMPARE(proxied.run.exitCode, 0);
        ASSIGN_OR_FAIL(const QList<LogLine> afterLines, logLinesOnceWritten(u"proxy.log"_s, marker(after), 1));
        QCOMPARE(afterLines.size(), 1);
        QCOMPARE(logLines(u"proxy.log"_s, marker(what)).size(), 0);
    }

    void unreachableProxyFailsEveryTask_data()
    {
        QTest::addColumn<bool>("fromEnvironment");
        QTest::newRow("--proxy") << false;
        QTest::newRow("http_proxy and https_proxy") << true;
    }

    void unreachableProxyFailsEveryTask()
    {
        QFETCH(bool, fromEnvironment);
        const QString proxy = u"127.0.0.1:"_s + QString::number(closedPort());
        const QStringList urls{url(m_base, u"/ok"_s, u"unreachable-1"_s), url(m_base, u"/bytes/1024"_s, u"unreachable-2"_s),
                               url(m_tlsBase, u"/ok"_s, u"unreachable-3"_s)};
        QStringList arguments{u"--retries"_s, u"0"_s, u"--ca-file"_s, nginxPath(u"tls-cert.pem"_s)};
        QStringList variables;
        if (fromEnvironment)
            variables << u"http_proxy=http://"_s + proxy << u"https_proxy=http://"_s + proxy;
        else
            arguments << u"--proxy"_s << u"http://"_s + proxy;
        const QProcessEnvironment environment = environmentWith(variables);
        ASSIGN_OR_FAIL(const Fetched fetched, fetch(arguments, urls, environment));
        QCOMPARE(fetched.run.exitCode, 1);
        QCOMPARE(fetched.records.size(), urls.size());
        for (const QJsonObject &record : fetched.records) {
            QCOMPARE(record[u"state"].toString(), u"failed"_s);
            const QString error = record[u"error"].toString();
            QVERIFY2(error.startsWith(u"cannot connect to the proxy "_s + proxy + u": "_s), qPrintable(error));
        }
        QCOMPARE(logLines(u"connections.log"_s, marker(u"unreachable-"_s, false)).size(), 0);
    }

    void usageErrorsNameTheOptionAndValue_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("value");
        QTest::newRow("rate with an unknown unit") << u"--limit-rate"_s << u"5x"_s;
        QTest::newRow("negative rate") << u"--limit-rate"_s << u"-1"_s;
        QTest::newRow("proxy without a scheme") << u"--proxy"_s << u"foo"_s;
        QTest::newRow("proxy of another scheme") << u"--proxy"_s << u"ftp://127.0.0.1:21"_s;
    }

    void usageErrorsNameTheOptionAndValue()
    {
        QFETCH(QString, option);
        QFETCH(QString, value);
        const QString what = u"usage-"_s + rowName();
        ASSIGN_OR_FAIL(const Fetched fetched, fetch({option, value}, {url(m_base, u"/ok"_s, what)}));
        QCOMPARE(fetched.run.exitCode, 2);
        QVERIFY2(fetched.run.err.startsWith(u"loopscope fetch: "_s + option + u' '), qPrintable(fetched.run.err));
        QVERIFY2(fetched.run.err.contains(u'"' + value + u'"'), qPrintable(fetched.run.err));
        QVERIFY(fetched.records.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestTransport)
#include "tst_transport.moc"
