// Input that is wrong, one row per case, given to `loopscope fetch` as a process against the
// nginx and mail servers of the ctest fixtures: the exit code, the message that says where the
// fault is, and that the history written before it is still whole.
#include "support/CommandRun.h"
#include "support/NginxFixture.h"
#include "support/SmtpFixture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <functional>

#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {
// One case: what is run, and what it must come to.
struct Case {
    QStringList arguments; // after "fetch --db HISTORY"
    // The command loopscope runs under: a namespace with a small or read-only file system, or
    // without the privileges that let root read and write anything.
    QStringList wrapper;
    int exitCode = 0;
    QStringList said;    // each appears in what it printed
    QString history;     // the history it is given; the seeded one when empty
    // What must hold of that history after: every batch recorded before exports as it did and
    // the file is sound; or, for a damaged one, not a byte of it changed; or check() sees to it.
    enum class Kept { Whole, Untouched, Checked } kept = Kept::Whole;
    std::function<QString()> check; // anything else: what is wrong, or an empty string
};
} // namespace

Q_DECLARE_METATYPE(Case)

namespace {
QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool write(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

// SQLite's verdict on the file, "ok" when it is sound.
QString integrityOf(const QString &path)
{
    const QString connection = QUuid::createUuid().toString();
    QString verdict;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
        db.setDatabaseName(path);
        QSqlQuery query(db);
        verdict = db.open() && query.exec(u"PRAGMA integrity_check"_s) && query.next() ? query.value(0).toString() : db.lastError().text();
    }
    QSqlDatabase::removeDatabase(connection);
    return verdict;
}

qint64 largestChildRssKiB()
{
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    return usage.ru_maxrss;
}
} // namespace

// Room for a history of one small batch and 3,000 new tasks as they are queued, not as they end.
const QString FullHistoryDisk = u"1m"_s;

class TestBadInput : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_base;
    QString m_history;
    QByteArray m_before; // the seeded history's export
    int m_rows = 0;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // A file of the case's own: each row gets a folder, so no row sees another's files.
    QString file(const QString &name, const QByteArray &bytes = {})
    {
        const QString folder = path(u"row-%1"_s.arg(m_rows));
        QDir().mkpath(folder);
        const QString at = folder + u'/' + name;
        if (!bytes.isNull() && !write(at, bytes))
            qFatal("cannot write %s", qPrintable(at));
        return at;
    }
    QString list(const QString &name, const QStringList &lines) { return file(name, lines.join(u'\n').toUtf8() + '\n'); }
    QString url(QStringView path) const { return m_base + path; }

    // root reads and writes whatever it likes; without its capabilities, file modes hold for
    // it as for anyone. Files meant to be out of reach belong to nobody then.
    static QStringList unprivileged()
    {
        return geteuid() == 0 ? QStringList{u"setpriv"_s, u"--bounding-set=-all"_s, u"--inh-caps=-all"_s} : QStringList();
    }
    static void outOfReach(const QString &path)
    {
        if (geteuid() == 0 && chown(QFile::encodeName(path).constData(), 65534, 65534) != 0)
            qFatal("cannot hand %s to nobody", qPrintable(path));
    }
    // script run by sh in a mount namespace of the command's own; it ends by running the
    // command, which it is given as its arguments ("$0" "$@").
    static QStringList inMountNamespace(const QString &script) { return {u"unshare"_s, u"-rm"_s, u"sh"_s, u"-c"_s, script}; }
    // A tmpfs of `size` on folder, there.
    static QString mountSmallDisk(const QString &folder, const QString &size)
    {
        return u"mount -t tmpfs -o size=%1 none \"%2\""_s.arg(size, folder);
    }

    Case fetched(const QStringList &arguments, int exitCode, const QStringList &said)
    {
        Case c;
        c.arguments = arguments;
        c.exitCode = exitCode;
        c.said = said;
        return c;
    }

    void row(const char *name, Case c)
    {
        QTest::newRow(name) << c;
        ++m_rows;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_base = nginxBase();
        QVERIFY2(!m_base.isEmpty(), "the nginx fixture is not running (LOOPSCOPE_NGINX_DIR/port)");
        QVERIFY(m_dir.isValid());
        m_history = path(u"history.sqlite"_s);
        const QString seed = path(u"seed.txt"_s);
        QVERIFY(write(seed, (url(u"/ok") + u'\n' + url(u"/bytes/1024") + u'\n' + url(u"/status/404") + u'\n').toUtf8()));
        ASSIGN_OR_FAIL(const CommandRun seeded, runLoopscope({u"fetch"_s, u"-q"_s, u"--db"_s, m_history, seed}));
        QCOMPARE(seeded.exitCode, 1);
        ASSIGN_OR_FAIL(const CommandRun exported, runLoopscope({u"export"_s, u"--db"_s, m_history}));
        QCOMPARE(exported.exitCode, 0);
        m_before = exported.out.toUtf8();
        QCOMPARE(m_before.count('\n'), 3);
    }

    void badInputEndsAsItShould_data()
    {
        QTest::addColumn<Case>("c");
        const QString tls = u":"_s + nginxFile(u"tls-port"_s);

        // Lists
        QByteArray binary;
        for (int i = 0; i < 300; ++i)
            binary += QByteArray("\xff\xfe\x00\x01\x1b[2J binary\n", 16);
        row("binary garbage", fetched({file(u"garbage.bin"_s, binary)}, 1,
                                      {u"garbage.bin:1: not UTF-8 text"_s, u"garbage.bin:100: not UTF-8 text"_s,
                                       u"loopscope fetch: 200 more lines rejected, not shown"_s}));

        row("NUL bytes", fetched({file(u"nul.txt"_s, (url(u"/ok?a") + u"\n"_s + url(u"/ok?b")).toUtf8() + QByteArray("\0evil\n", 6))}, 1,
                                 {u"nul.txt:2: URL contains an invisible character (U+0000) at column "_s, u"Succeeded 1, failed 0"_s}));

        {
            const QString big = file(u"long-line.txt"_s);
            QFile out(big);
            QVERIFY(out.open(QIODevice::WriteOnly));
            const QByteArray piece(1 << 20, 'a');
            for (int i = 0; i < 200; ++i)
                out.write(piece);
            out.write('\n' + url(u"/ok").toUtf8() + '\n');
            out.close();
            Case c = fetched({big}, 1, {u"long-line.txt:1: URL longer than 32,768 characters"_s, u"Succeeded 1, failed 0"_s});
            c.check = [] { // read in pieces: a line whole would take 200 MB, and four times that as text
#if defined(__SANITIZE_ADDRESS__)
                return QString(); // AddressSanitizer keeps up to 256 MB of freed memory aside: RSS says nothing here
#endif
                const qint64 rss = largestChildRssKiB();
                return rss < 150 * 1024 ? QString() : u"a process of this test took %1 MiB"_s.arg(rss / 1024);
            };
            row("a 200 MB line", c);
        }
        {
            QByteArray lines;
            lines.reserve(30'000'000);
            for (int i = 0; i < 1'000'000; ++i)
                lines += "ftp://example.org/" + QByteArray::number(i) + '\n';
            lines += url(u"/ok").toUtf8() + '\n';
            Case c = fetched({file(u"million.txt"_s, lines)}, 1,
                             {u"million.txt:1: unsupported scheme \"ftp\""_s, u"million.txt:100: unsupported"_s,
                              u"loopscope fetch: 999,900 more lines rejected, not shown"_s, u"Succeeded 1, failed 0"_s});
            row("a 1,000,000-line list", c);
        }
        row("IDN host", fetched({list(u"idn.txt"_s, {u"http://b\u00fccher.invalid/"_s})}, 1, {u"host not found: xn--bcher-kva.invalid"_s}));
        row("IPv6 literal", fetched({list(u"ipv6.txt"_s, {u"http://[::1]:1/x"_s})}, 1, {u"connection refused by [::1]:1"_s}));
        row("file: and javascript:", fetched({list(u"schemes.txt"_s, {u"file:///etc/passwd"_s, u"javascript:alert(1)"_s})}, 1,
                                              {u"schemes.txt:1: unsupported scheme \"file\" (only http and https)"_s,
                                               u"schemes.txt:2: unsupported scheme \"javascript\" (only http and https)"_s}));
        {
            const QString folder = file(u"a-folder"_s);
            QDir().mkpath(folder);
            row("a directory", fetched({folder}, 2, {u"loopscope fetch: "_s + folder + u": "_s}));
        }
        {
            const QString secret = list(u"unreadable.txt"_s, {url(u"/ok")});
            QFile::setPermissions(secret, QFile::Permissions());
            outOfReach(secret);
            Case c = fetched({secret}, 2, {u"loopscope fetch: "_s + secret + u": Permission denied"_s});
            c.wrapper = unprivileged();
            row("an unreadable file", c);
        }

        // The output folder
        {
            const QString folder = file(u"read-only"_s);
            QDir().mkpath(folder);
            QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther);
            outOfReach(folder);
            Case c = fetched({u"--output-dir"_s, folder, list(u"ok.txt"_s, {url(u"/ok")})}, 2,
                             {u"--output-dir "_s + folder + u": the folder is not writable"_s});
            c.wrapper = unprivileged();
            row("a read-only --output-dir", c);
        }
        {
            const QString folder = file(u"full"_s);
            QDir().mkpath(folder);
            QStringList urls;
            for (int i = 0; i < 6; ++i)
                urls << url(u"/bytes/1048576?n=%1"_s.arg(i));
            const QString jsonl = file(u"full.jsonl"_s);
            Case c = fetched({u"--jsonl"_s, jsonl, u"--output-dir"_s, folder, list(u"big.txt"_s, urls)}, 1,
                             {u"disk full: cannot write "_s + folder + u"/1048576"_s});
            c.wrapper = inMountNamespace(mountSmallDisk(folder, u"2m"_s) + u" && exec \"$0\" \"$@\""_s);
            c.check = [jsonl]() -> QString {
                const QList<QByteArray> records = readAll(jsonl).split('\n');
                return records.size() == 7 ? QString() : u"%1 records in --jsonl, not 6"_s.arg(records.size() - 1);
            };
            row("a full --output-dir", c);
        }
        {
            const QString folder = file(u"links"_s);
            const QString outside = file(u"outside.txt"_s, "mine\n");
            QDir().mkpath(folder);
            QVERIFY(QFile::link(outside, folder + u"/escaped.txt"_s));
            Case c = fetched({u"-q"_s, u"--overwrite"_s, u"--output-dir"_s, folder, list(u"disposition.txt"_s, {url(u"/disposition/traversal")})}, 0, {});
            c.check = [folder, outside]() -> QString {
                if (readAll(outside) != "mine\n")
                    return u"the file the link points to was written"_s;
                if (QFileInfo(folder + u"/escaped.txt"_s).isSymLink() || readAll(folder + u"/escaped.txt"_s) != "ok\n")
                    return u"the body did not replace the link itself"_s;
                return QString();
            };
            row("a symlink in the output folder", c);
        }
        {
            const QString folder = file(u"traversal/inner"_s);
            QDir().mkpath(folder);
            Case c = fetched({u"-q"_s, u"--output-dir"_s, folder, list(u"traversal.txt"_s, {url(u"/disposition/traversal")})}, 0, {});
            c.check = [folder]() -> QString {
                const QStringList escaped = QDir(folder + u"/../.."_s).entryList({u"escaped.txt"_s}) + QDir(folder + u"/.."_s).entryList({u"escaped.txt"_s});
                if (!escaped.isEmpty())
                    return u"a file was written outside the output folder"_s;
                return readAll(folder + u"/escaped.txt"_s) == "ok\n" ? QString() : u"the body is not in the folder as escaped.txt"_s;
            };
            row("path traversal in Content-Disposition", c);
        }

        // What reaches other programs
        {
            const QString name = u"evil\r\nBcc: victim@example.org\r\nX-Injected: yes.txt"_s;
            // Other suites send to the same server meanwhile: this row's message is the one to it.
            const QString to = u"bad-input-%1@example.org"_s.arg(QUuid::createUuid().toString(QUuid::Id128));
            Case c = fetched({u"-q"_s, u"--notify-email"_s, to, u"--smtp"_s, SmtpFixture::url(u"plain"_s), u"--from"_s,
                              u"loopscope@example.org"_s, list(name, {url(u"/ok")})},
                             0, {});
            c.check = [to]() -> QString {
                QList<QByteArray> heads;
                for (const QString &eml : SmtpFixture::delivered(u"plain"_s)) {
                    const QByteArray message = readAll(eml);
                    const QByteArray head = message.left(message.indexOf("\r\n\r\n") + 2);
                    if (head.contains(to.toUtf8()))
                        heads << head;
                }
                if (heads.size() != 1)
                    return u"%1 messages to %2, not 1"_s.arg(heads.size()).arg(to);
                for (const QByteArray &line : heads.first().split('\n')) {
                    if (line.startsWith("Bcc:") || line.startsWith("X-Injected:"))
                        return u"a header came from the batch name: "_s + QString::fromUtf8(line);
                }
                return heads.first().contains("Subject:") ? QString() : u"no subject"_s;
            };
            row("CR and LF in a batch name that reaches an e-mail subject", c);
        }
        row("an expired TLS certificate", fetched({u"--retries"_s, u"0"_s, u"--ca-file"_s, nginxPath(u"expired-cert.pem"_s),
                                                   list(u"expired.txt"_s, {u"https://expired.localhost"_s + tls + u"/ok"_s})},
                                                  1, {u"certificate has expired"_s}));
        row("a certificate for another host", fetched({u"--retries"_s, u"0"_s, u"--ca-file"_s, nginxPath(u"tls-cert.pem"_s),
                                                       list(u"wrong-host.txt"_s, {u"https://wrong.localhost"_s + tls + u"/ok"_s})},
                                                      1, {u"no alternative certificate subject name matches target host name 'wrong.localhost'"_s}));
        row("response headers over 100 KB", fetched({list(u"huge-headers.txt"_s, {url(u"/headers/huge")})}, 1,
                                                    {u"failed: response headers larger than 100.0 KiB"_s}));

        // The history
        const auto damaged = [this](const char *name, const QString &file, const QString &said) {
            Case c = fetched({list(u"ok.txt"_s, {url(u"/ok")})}, 2, {u"loopscope fetch: history database "_s + file + u": "_s + said});
            c.history = file;
            c.kept = Case::Kept::Untouched;
            row(name, c);
        };
        {
            const QString garbage = file(u"garbage.sqlite"_s, QByteArray(20'000, 'x'));
            damaged("a corrupt history", garbage, u"file is not a database"_s);
        }
        {
            const QString cut = file(u"truncated.sqlite"_s, readAll(m_history).left(8192));
            damaged("a truncated history", cut, u"database disk image is malformed"_s);
        }
        {
            const QString folder = file(u"read-only-history"_s);
            QDir().mkpath(folder);
            const QString copy = folder + u"/history.sqlite"_s;
            QVERIFY(QFile::copy(m_history, copy));
            Case c = fetched({list(u"ok.txt"_s, {url(u"/ok")})}, 2,
                             {u"loopscope fetch: history database "_s + copy + u": read-only (unable to open database file)"_s});
            c.history = copy;
            c.wrapper = inMountNamespace(u"mount --bind \"%1\" \"%1\" && mount -o remount,ro,bind \"%1\" && exec \"$0\" \"$@\""_s.arg(folder));
            row("a read-only history", c);
        }
        {
            const QString held = file(u"held.sqlite"_s);
            QVERIFY(QFile::copy(m_history, held));
            Case c = fetched({list(u"ok.txt"_s, {url(u"/ok")})}, 2,
                             {u"loopscope fetch: history database "_s + held + u": in use by another process (database is locked)"_s});
            c.history = held;
            c.wrapper = {u"python3"_s, u"-c"_s,
                         u"import sqlite3, subprocess, sys\n"
                         "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                         "db.execute('BEGIN EXCLUSIVE')\n"
                         "sys.exit(subprocess.call(sys.argv[2:]))\n"_s,
                         held};
            row("a history held by another process", c);
        }
        {
            // Room for the history as it is and a little more: it fills up part way through.
            const QString folder = file(u"full-history"_s);
            QDir().mkpath(folder);
            const QString inside = folder + u"/history.sqlite"_s;
            const QString copied = file(u"full-history.sqlite"_s);
            QStringList urls;
            for (int i = 0; i < 3'000; ++i)
                urls << url(u"/ok?n=%1"_s.arg(i));
            const QString jsonl = file(u"full-history.jsonl"_s);
            Case c = fetched({u"-q"_s, u"-j"_s, u"16"_s, u"--jsonl"_s, jsonl, list(u"many.txt"_s, urls)}, 2,
                             {u"loopscope fetch: history database "_s + inside + u": database or disk is full"_s});
            c.history = inside;
            // The history is copied in, and out again when the command ends, as the mount goes with it.
            c.wrapper = inMountNamespace(mountSmallDisk(folder, FullHistoryDisk)
                                         + u" && cp \"%1\" \"%2\" && \"$0\" \"$@\"; status=$?;"
                                           " for f in \"%2\"*; do [ -f \"$f\" ] && cp \"$f\" \"%3${f#%2}\"; done; exit $status"_s.arg(m_history, inside, copied));
            c.kept = Case::Kept::Checked; // gone with the mount: checked through its copy
            c.check = [this, jsonl, copied]() -> QString {
                const QList<QByteArray> records = readAll(jsonl).split('\n');
                if (records.size() != 3'001)
                    return u"%1 records in --jsonl, not 3,000"_s.arg(records.size() - 1);
                if (const QString verdict = integrityOf(copied); verdict != u"ok")
                    return u"the history's copy: "_s + verdict;
                const auto exported = runLoopscope({u"export"_s, u"--db"_s, copied});
                if (!exported || exported->exitCode != 0 || !exported->out.toUtf8().startsWith(m_before))
                    return u"the batch recorded before is not as it was"_s;
                // Every task is recorded as it was last written: ended, or queued for a resume.
                const qsizetype rows = exported->out.count(u"\"url\":\""_s + url(u"/ok?n="));
                if (rows != 3'000)
                    return u"%1 of the batch's tasks in the history, not 3,000"_s.arg(rows);
                return QString();
            };
            row("a history whose disk fills in the middle of a batch", c);
        }
    }

    void badInputEndsAsItShould()
    {
        QFETCH(Case, c);
        const QString history = c.history.isEmpty() ? m_history : c.history;
        const QByteArray untouched = readAll(history);
        QStringList command = c.wrapper;
        command << qEnvironmentVariable("LOOPSCOPE_BIN") << u"fetch"_s << u"--db"_s << history << c.arguments;
        const QString program = command.takeFirst();
        ASSIGN_OR_FAIL(const CommandRun run, runCommand(program, command, u"loopscope fetch "_s + c.arguments.join(u' ')));
        const QString printed = run.err + run.out;
        QVERIFY2(run.exitCode == c.exitCode, qPrintable(u"exit code %1, not %2; it printed:\n"_s.arg(run.exitCode).arg(c.exitCode) + printed.left(4000)));
        for (const QString &expected : std::as_const(c.said))
            QVERIFY2(printed.contains(expected), qPrintable(u"\""_s + expected + u"\" not in:\n"_s + printed.left(4000)));
        if (c.check) {
            const QString problem = c.check();
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        if (c.kept == Case::Kept::Checked)
            return;
        if (c.kept == Case::Kept::Untouched) {
            QVERIFY2(readAll(history) == untouched, "the damaged history was written to");
            return;
        }
        QCOMPARE(integrityOf(history), u"ok"_s);
        ASSIGN_OR_FAIL(const CommandRun exported, runLoopscope({u"export"_s, u"--db"_s, history}));
        QCOMPARE(exported.exitCode, 0);
        QVERIFY2(exported.out.toUtf8().startsWith(m_before), "the batch recorded before is not as it was");
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_bad_input.moc"
