// Mail addresses, the composed RFC 5322 message and dot-stuffing: no header injection, only CRLF.
#include "MailMessage.h"
#include "SmtpReply.h"

#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace loopscope;

namespace {
MailMessage sample()
{
    MailMessage message;
    message.from = {u"Loopscope"_s, u"robot@example.org"_s};
    message.to = {{u"Ann Example"_s, u"ann@example.com"_s}, {QString(), u"bob@example.net"_s}};
    message.subject = u"Batch finished"_s;
    message.body = u"All done.\n"_s;
    return message;
}

QList<QByteArray> headerLines(const QByteArray &message)
{
    // Up to and with the last header's CRLF, so that every line ends in '\r'.
    return message.left(message.indexOf("\r\n\r\n") + 2).split('\n');
}

QByteArray bodyOf(const QByteArray &message)
{
    return message.mid(message.indexOf("\r\n\r\n") + 4);
}

// The unfolded value of a header field, or a null array when it is missing.
QByteArray headerValue(const QByteArray &message, const QByteArray &name)
{
    QByteArray value;
    bool inField = false;
    for (QByteArray line : headerLines(message)) {
        line.chop(1); // the '\r' split left behind
        if (line.startsWith(' ') || line.startsWith('\t')) {
            if (inField)
                value += line;
        } else {
            inField = line.startsWith(QByteArray(name + ':'));
            if (inField)
                value = line.mid(name.size() + 1);
        }
    }
    return value;
}

QString decodeEncodedWords(const QByteArray &value)
{
    static const QRegularExpression word(u"=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?="_s);
    QByteArray utf8;
    for (const QRegularExpressionMatch &match : word.globalMatch(QString::fromLatin1(value)))
        utf8 += QByteArray::fromBase64(match.captured(1).toLatin1());
    return QString::fromUtf8(utf8);
}

QByteArray decodeQuotedPrintable(const QByteArray &body)
{
    QByteArray out;
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (body[i] != '=') {
            out += body[i];
        } else if (body.mid(i + 1, 2) == "\r\n") {
            i += 2; // soft break
        } else {
            out += char(body.mid(i + 1, 2).toInt(nullptr, 16));
            i += 2;
        }
    }
    return out;
}

void verifyLines(const QByteArray &message)
{
    QVERIFY(message.endsWith("\r\n"));
    for (qsizetype i = 0; i < message.size(); ++i) {
        if (message[i] == '\r')
            QVERIFY2(i + 1 < message.size() && message[i + 1] == '\n', "bare CR");
        if (message[i] == '\n')
            QVERIFY2(i > 0 && message[i - 1] == '\r', "bare LF");
    }
    const QList<QByteArray> headers = headerLines(message);
    for (const QByteArray &line : headers)
        QVERIFY2(line.size() - 1 <= 78, line.constData());
    for (const QByteArray &line : message.split('\n'))
        QVERIFY(line.size() - 1 <= 998);
}
} // namespace

class TestMailMessage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smtpRepliesAreReadInWhateverPiecesTheyArrive()
    {
        SmtpReplyReader reader;
        const QByteArray replies = "250-mail.example\r\n250-SIZE 1000\r\n250 AUTH PLAIN\r\n220 go ahead\r\n";
        QList<SmtpReply> read;
        for (const char byte : replies) { // one byte at a time, the worst a socket can do
            Result<std::optional<SmtpReply>> next = reader.read(QByteArrayView(&byte, 1));
            QVERIFY2(next, qPrintable(next.error()));
            if (*next)
                read << **next;
        }
        QCOMPARE(read.size(), 2);
        QCOMPARE(read[0].code, 250);
        QCOMPARE(read[0].lines, (QStringList{u"mail.example"_s, u"SIZE 1000"_s, u"AUTH PLAIN"_s}));
        QCOMPARE(read[1].text(), u"220 go ahead"_s);
        // Two replies in one piece: the second is given on the next call.
        Result<std::optional<SmtpReply>> first = reader.read("221 bye\r\n354 go\r\n");
        QCOMPARE((*first)->code, 221);
        QCOMPARE((*reader.read())->code, 354);
        QVERIFY(!*reader.read());
    }

    void whatIsNotAnSmtpReplyIsRefusedAndQuotedSafely_data()
    {
        QTest::addColumn<QByteArray>("received");
        QTest::addColumn<QString>("error");
        QTest::newRow("HTTP") << QByteArray("HTTP/1.1 400 Bad Request\r\n") << u"the server sent something that is not SMTP: \"HTTP/1.1 400 Bad Request\""_s;
        QTest::newRow("escape sequences") << QByteArray("\x1b]0;owned\x07\r\n") << u"the server sent something that is not SMTP: \"\\x1b]0;owned\\x07\""_s;
        QTest::newRow("code out of range") << QByteArray("999 no\r\n") << u"the server sent something that is not SMTP: \"999 no\""_s;
        QTest::newRow("codes that change") << QByteArray("250-a\r\n550 b\r\n") << u"the server sent something that is not SMTP: \"550 b\""_s;
        QTest::newRow("a line without end") << QByteArray(5'000, 'x') << u"the server sent a reply line longer than 4,096 bytes: \""_s + QString(80, u'x') + u"\u2026\" (5,000 characters)"_s;
        QByteArray endless;
        for (int i = 0; i < 101; ++i)
            endless += "250-more\r\n";
        QTest::newRow("endless lines") << endless << u"the server sent a reply of more than 100 lines"_s;
    }

    void whatIsNotAnSmtpReplyIsRefusedAndQuotedSafely()
    {
        QFETCH(QByteArray, received);
        QFETCH(QString, error);
        SmtpReplyReader reader;
        const Result<std::optional<SmtpReply>> read = reader.read(received);
        QVERIFY(!read);
        QCOMPARE(read.error(), error);
    }

    void controlCharactersInAReplyAreShownAsEscapes()
    {
        SmtpReplyReader reader;
        const Result<std::optional<SmtpReply>> read = reader.read("550 no \x1b[31muser\r\n");
        QCOMPARE((*read)->text(), u"550 no \\x1b[31muser"_s);
    }

    void parsesPlainAndNamedAddresses()
    {
        auto plain = parseMailAddress(u"  ann@example.com "_s);
        QVERIFY(plain);
        QCOMPARE(plain->address, u"ann@example.com"_s);
        QVERIFY(plain->name.isEmpty());

        auto named = parseMailAddress(u"Ann Example <ann@example.com>"_s);
        QVERIFY(named);
        QCOMPARE(named->name, u"Ann Example"_s);
        QCOMPARE(named->address, u"ann@example.com"_s);

        auto quoted = parseMailAddress(u"\"Example, Ann \\\"A\\\"\" <ann@example.com>"_s);
        QVERIFY(quoted);
        QCOMPARE(quoted->name, u"Example, Ann \"A\""_s);
        QCOMPARE(quoted->address, u"ann@example.com"_s);

        auto unicode = parseMailAddress(u"Jörg Müller <j@example.de>"_s);
        QVERIFY(unicode);
        QCOMPARE(unicode->name, u"Jörg Müller"_s);
    }

    void rejectsAnythingButOneAddress_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::newRow("two") << u"a@b.c, d@e.f"_s << u"more than one"_s;
        QTest::newRow("two named") << u"A <a@b.c> <d@e.f>"_s << u"more than one"_s;
        QTest::newRow("crlf") << u"a@b.c\r\nBcc: x@y.z"_s << u"line break"_s;
        QTest::newRow("nul") << QString(u"a@b.c" + QChar(u'\0')) << u"control"_s;
        QTest::newRow("no at") << u"ann.example.com"_s << u"no '@'"_s;
        QTest::newRow("empty") << u"   "_s << u"empty"_s;
        QTest::newRow("space") << u"ann @example.com"_s << u"white space"_s;
        QTest::newRow("space in brackets") << u"Ann <ann@exa mple.com>"_s << u"white space"_s;
        QTest::newRow("unquoted special") << u"Ann (x) <ann@example.com>"_s << u"quotes"_s;
        QTest::newRow("dots") << u"ann..x@example.com"_s << u"not a plain"_s;
        QTest::newRow("too long") << QString(QString(250, u'a') + u"@b.cd"_s) << u"longer than 254"_s;
    }

    void rejectsAnythingButOneAddress()
    {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        const Result<MailAddress> parsed = parseMailAddress(text);
        QVERIFY(!parsed);
        QCOMPARE(parsed.kind(), ErrorKind::Invalid);
        QVERIFY2(parsed.error().contains(reason), qPrintable(parsed.error()));
    }

    void composesHeadersWithCrlf()
    {
        MailMessage message = sample();
        message.date = QDateTime(QDate(2026, 11, 22), QTime(14, 51, 48), Qt::UTC);
        const QByteArray composed = composeMessage(message);
        verifyLines(composed);
        QCOMPARE(headerValue(composed, "Date"), QByteArray(" Sun, 22 Nov 2026 14:51:48 +0000"));
        QCOMPARE(headerValue(composed, "From"), QByteArray(" Loopscope <robot@example.org>"));
        QCOMPARE(headerValue(composed, "To"), QByteArray(" Ann Example <ann@example.com>, bob@example.net"));
        QCOMPARE(headerValue(composed, "Subject"), QByteArray(" Batch finished"));
        QCOMPARE(headerValue(composed, "MIME-Version"), QByteArray(" 1.0"));
        QCOMPARE(headerValue(composed, "Content-Type"), QByteArray(" text/plain; charset=UTF-8"));
        QCOMPARE(headerValue(composed, "Content-Transfer-Encoding"), QByteArray(" 7bit"));
        QVERIFY(headerValue(composed, "Message-ID").endsWith("@example.org>"));
        QCOMPARE(bodyOf(composed), QByteArray("All done.\r\n"));
    }

    void dateParsesBackAndMessageIdsDiffer()
    {
        MailMessage message = sample();
        message.messageIdDomain = u"mail.example"_s;
        const QByteArray first = composeMessage(message);
        const QByteArray second = composeMessage(message);
        const QByteArray id = headerValue(first, "Message-ID").trimmed();
        QVERIFY(QRegularExpression(u"^<[0-9a-f]{32}@mail\\.example>$"_s).match(QString::fromLatin1(id)).hasMatch());
        QVERIFY(id != headerValue(second, "Message-ID").trimmed());

        const QDateTime date = QDateTime::fromString(QString::fromLatin1(headerValue(first, "Date").trimmed()), Qt::RFC2822Date);
        QVERIFY(date.isValid());
        QVERIFY(qAbs(date.secsTo(QDateTime::currentDateTime())) < 60);
    }

    void headerInjectionStaysOnItsLine()
    {
        MailMessage message = sample();
        message.subject = u"Hello\r\nBcc: evil@example.org"_s;
        message.from.name = u"Robot\nCc: evil@example.org"_s;
        const QByteArray composed = composeMessage(message);
        verifyLines(composed);
        for (const QByteArray &line : headerLines(composed)) {
            QVERIFY2(!line.startsWith("Bcc") && !line.startsWith("Cc"), line.constData());
        }
        QVERIFY(headerValue(composed, "Subject").contains("Bcc: evil@example.org"));
    }

    void nonAsciiSubjectIsEncodedWords()
    {
        MailMessage message = sample();
        const QString subject = u"Résumé — 32 s of work in 17 s ✓"_s;
        message.subject = subject;
        message.from.name = u"Jörg Müller"_s;
        const QByteArray composed = composeMessage(message);
        verifyLines(composed);
        const QByteArray value = headerValue(composed, "Subject");
        QVERIFY(value.startsWith(" =?UTF-8?B?"));
        QCOMPARE(decodeEncodedWords(value), subject);
        for (const QByteArray &word : value.split(' '))
            QVERIFY(word.size() <= 75);
        QCOMPARE(decodeEncodedWords(headerValue(composed, "From")), u"Jörg Müller"_s);

        // Long enough to need several words, and with a character outside the BMP.
        message.subject = QString(subject + u" 🎉"_s).repeated(4);
        const QByteArray longer = composeMessage(message);
        verifyLines(longer);
        QCOMPARE(decodeEncodedWords(headerValue(longer, "Subject")), message.subject);
    }

    void longAsciiSubjectIsFolded()
    {
        MailMessage message = sample();
        message.subject = u"word "_s.repeated(40).trimmed();
        const QByteArray composed = composeMessage(message);
        verifyLines(composed);
        QCOMPARE(headerValue(composed, "Subject"), QByteArray(' ' + message.subject.toLatin1()));
    }

    void nonAsciiBodyIsQuotedPrintable()
    {
        MailMessage message = sample();
        message.body = u"Café = 3 €\nline with trailing space \r\n"_s + QString(200, u'x') + u"\r.dot"_s;
        const QByteArray composed = composeMessage(message);
        verifyLines(composed);
        QCOMPARE(headerValue(composed, "Content-Transfer-Encoding"), QByteArray(" quoted-printable"));
        for (const QByteArray &line : bodyOf(composed).split('\n'))
            QVERIFY(line.size() - 1 <= 76);
        const QByteArray expected = u"Café = 3 €\r\nline with trailing space \r\n"_s.toUtf8() + QByteArray(200, 'x')
            + "\r\n.dot\r\n";
        QCOMPARE(decodeQuotedPrintable(bodyOf(composed)), expected);
    }

    void dotLinesSurviveUntilStuffed()
    {
        MailMessage message = sample();
        message.body = u"visible\n.hidden\n"_s;
        const QByteArray composed = composeMessage(message);
        QCOMPARE(bodyOf(composed), QByteArray("visible\r\n.hidden\r\n"));
        const QByteArray stuffed = dotStuff(composed);
        QVERIFY(stuffed.endsWith("visible\r\n..hidden\r\n"));
        QCOMPARE(stuffed.size(), composed.size() + 1);
    }

    void dotStuffing()
    {
        QCOMPARE(dotStuff("a\r\n.\r\nb"), QByteArray("a\r\n..\r\nb\r\n"));
        QCOMPARE(dotStuff(".a\r\n"), QByteArray("..a\r\n"));
        QCOMPARE(dotStuff("a\n.\rb\r\n"), QByteArray("a\r\n..\r\nb\r\n")); // bare line ends too
        QCOMPARE(dotStuff(""), QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestMailMessage)
#include "tst_mail_message.moc"
