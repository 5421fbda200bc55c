import XCTest
@testable import Migration

final class DovecotMaildirTests: XCTestCase {
    func testUIDListVersion3() {
        let text = """
            3 V1700000000 N5 G3085f01b7f11094c501100008c4a11c1
            1 :1700000001.M1P1.host,S=120,W=123
            2 W456 :1700000002.M2P2.host,S=200
            4 :1700000004.M4P4.host

            """
        let list = DovecotUIDList(text)
        XCTAssertEqual(list?.uidValidity, 1_700_000_000)
        XCTAssertEqual(list?.uidNext, 5)
        XCTAssertEqual(list?.uids["1700000002.M2P2.host,S=200"], 2)
        XCTAssertEqual(list?.uids["1700000004.M4P4.host"], 4)
        XCTAssertEqual(list?.uids.count, 3)
    }

    func testUIDListVersion1AndRoundTrip() {
        let list = DovecotUIDList("1 12345 3\n1 a.host:2,S\n2 b.host\n")
        XCTAssertEqual(list, DovecotUIDList(uidValidity: 12345, uidNext: 3, uids: ["a.host": 1, "b.host": 2]))
        XCTAssertEqual(DovecotUIDList(list!.text), list)
        XCTAssertNil(DovecotUIDList("garbage\n"))
    }

    func testFlagsFromFilename() {
        let keywords = DovecotKeywords("0 $Label1\n1 Junk\n2 $Forwarded\n")
        XCTAssertEqual(MaildirFlags.flags(ofFilename: "123.M1.host,S=10:2,FRSab", keywords: keywords),
                       ["\\Flagged", "\\Answered", "\\Seen", "$Label1", "Junk"])
        XCTAssertEqual(MaildirFlags.flags(ofFilename: "123.M1.host:2,DPT", keywords: keywords), ["\\Draft", "$Forwarded", "\\Deleted"])
        XCTAssertEqual(MaildirFlags.flags(ofFilename: "123.M1.host", keywords: keywords), [])
        XCTAssertEqual(MaildirFlags.info(for: ["\\Seen", "\\Flagged", "Junk", "\\Recent"], keywords: keywords), "2,FSb")
        XCTAssertEqual(MaildirFlags.size(ofFilename: "123.M1.host,S=4096,W=4200:2,S"), 4096)
    }

    func testFolderNames() {
        XCTAssertEqual(MaildirPlusPlus.mailboxName(ofDirectory: ".Sent"), "Sent")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(ofDirectory: ".Archive.2024"), "Archive/2024")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(ofDirectory: ".Entw&APw-rfe"), "Entwürfe")
        XCTAssertNil(MaildirPlusPlus.mailboxName(ofDirectory: "cur"))
        XCTAssertNil(MaildirPlusPlus.mailboxName(ofDirectory: ".."))
        XCTAssertEqual(MaildirPlusPlus.directory(ofMailbox: "Archive/2024"), ".Archive.2024")
        XCTAssertEqual(MaildirPlusPlus.directory(ofMailbox: "Entwürfe"), ".Entw&APw-rfe")
        XCTAssertNil(MaildirPlusPlus.directory(ofMailbox: "INBOX"))
    }
}

final class MboxTests: XCTestCase {
    func testSplitsQuotesDatesAndFlags() {
        let text = """
            From alice@example.test Tue Nov 29 10:00:00 2026
            Subject: one
            Status: RO
            X-Status: AF

            Hello
            >From the start
            >>From quoted

            From bob@example.test Wed Nov 30 11:30:15 2026
            Subject: two
            X-Keywords: $Label1 Work

            Body two
            """
        var splitter = MboxSplitter()
        var messages: [MboxMessage] = []
        // Feed in small chunks so lines straddle chunk boundaries.
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count { messages += splitter.append(Array(bytes[i..<min(i + 7, bytes.count)])); i += 7 }
        messages += splitter.finish()
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(String(decoding: messages[0].bytes, as: UTF8.self),
                       "Subject: one\r\nStatus: RO\r\nX-Status: AF\r\n\r\nHello\r\nFrom the start\r\n>From quoted\r\n")
        XCTAssertEqual(messages[0].flags, ["\\Seen", "\\Answered", "\\Flagged"])
        XCTAssertEqual(messages[0].internalDate, 1_795_946_400)  // 2026-11-29T10:00:00Z
        XCTAssertEqual(String(decoding: messages[1].bytes, as: UTF8.self), "Subject: two\r\nX-Keywords: $Label1 Work\r\n\r\nBody two\r\n")
        XCTAssertEqual(messages[1].flags, ["$Label1", "Work"])
        XCTAssertEqual(splitter.leadingGarbage, 0)
    }

    func testTrailingFromLineAndAbsurdDates() {
        var splitter = MboxSplitter()
        var messages = splitter.append(Array("From a@b Tue Nov 24 10:00:00 2026\nSubject: x\n\nbody\nFrom x".utf8))
        messages += splitter.finish()
        XCTAssertEqual(messages.count, 1)
        XCTAssertNil(MboxSplitter.date(ofFromLine: Array("From a@b Tue Nov 24 10:00:00 99999999999999999".utf8)))
        XCTAssertNil(MboxSplitter.date(ofFromLine: Array("From a@b Tue Nov 24 9999999999999999:00:00 2026".utf8)))
        XCTAssertNil(MboxSplitter.date(ofFromLine: Array("From a@b Tue Nov 24 10:00:00 292277026596".utf8)))
    }

    func testEmptyAndGarbage() {
        var splitter = MboxSplitter()
        XCTAssertEqual(splitter.append(Array("not an mbox\n".utf8)), [])
        XCTAssertEqual(splitter.finish(), [])
        XCTAssertEqual(splitter.leadingGarbage, 12)
    }
}

final class ConfigTranslatorTests: XCTestCase {
    let mainCF = """
        myhostname = mail.example.test
        mydomain = example.test
        myorigin = $mydomain
        mydestination = $myhostname, $mydomain, localhost.$mydomain, localhost
        mynetworks = 127.0.0.1/32 [::1]/128
        recipient_delimiter = +
        message_size_limit = 52428800
        relayhost = [smtp.provider.test]:587
        smtpd_tls_cert_file = /etc/ssl/mail/cert.pem
        smtpd_tls_key_file = /etc/ssl/mail/key.pem
        smtpd_tls_security_level = may
        smtp_tls_security_level = encrypt
        smtp_tls_mandatory_ciphers = high
        smtpd_relay_restrictions = permit_mynetworks,
            permit_sasl_authenticated, defer_unauth_destination
        smtpd_sender_login_maps = hash:/etc/postfix/sender_login_maps
        smtpd_sender_restrictions = reject_sender_login_mismatch, reject_unknown_sender_domain
        smtpd_sasl_authenticated_header = yes
        virtual_alias_maps = hash:/etc/postfix/virtual
        """
    let masterCF = """
        smtp      inet  n       -       y       -       -       smtpd
        submission inet n       -       y       -       -       smtpd
          -o syslog_name=postfix/submission
          -o smtpd_tls_security_level=encrypt
          -o smtpd_helo_restrictions=reject_invalid_helo_hostname
        #smtps     inet  n       -       y       -       -       smtpd
        pickup    unix  n       -       y       60      1       pickup
        """
    let dovecotConf = """
        !include conf.d/*.conf
        protocols = imap pop3
        ssl_cert = </etc/ssl/mail/cert.pem
        ssl_key = </etc/ssl/mail/key.pem
        auth_username_format = %n
        passdb {
          driver = passwd-file
          args = scheme=SHA512-CRYPT /etc/dovecot/users
        }
        """

    func files() -> [String: String] {
        ["/etc/postfix/main.cf": mainCF, "/etc/postfix/master.cf": masterCF,
         "/etc/postfix/virtual": "postmaster@example.test bob\n# comment\ninfo@example.test alice@example.test, bob@example.test\n",
         "/etc/dovecot/dovecot.conf": dovecotConf,
         "/etc/dovecot/conf.d/10-mail.conf": "mail_location = maildir:~/Maildir\n",
         "/etc/dovecot/users": "bob:{SHA512-CRYPT}$6$salt$hash:1000:1000::/home/bob::\nalice@example.test:$y$j9T$abc$def::::::\n"]
    }

    func testTranslatesTheGuideSettings() throws {
        let fs = files()
        let translator = ConfigTranslator(read: { fs[$0] }, glob: { pattern in
            pattern == "/etc/dovecot/conf.d/*.conf" ? ["/etc/dovecot/conf.d/10-mail.conf"] : [] })
        let out = try translator.translate(postfixDirectory: "/etc/postfix", dovecotDirectory: "/etc/dovecot", dataDirectory: "/var/lib/tern")
        let toml = out.toml
        XCTAssertTrue(toml.contains("hostname = \"mail.example.test\"\n"), toml)
        XCTAssertTrue(toml.contains("domains = [\"example.test\"]\n"), toml)
        XCTAssertTrue(toml.contains("mynetworks = [\"127.0.0.1/32\", \"::1/128\"]\n"), toml)
        XCTAssertTrue(toml.contains("[tls]\ncert = \"/etc/ssl/mail/cert.pem\"\nkey = \"/etc/ssl/mail/key.pem\"\n"), toml)
        XCTAssertTrue(toml.contains("submission = [\"0.0.0.0:587\", \"[::]:587\"]"), toml)
        XCTAssertFalse(toml.contains("submissions ="), toml)
        XCTAssertTrue(toml.contains("pop3s = "), toml)
        XCTAssertTrue(toml.contains("relay_restrictions = [\"permit_mynetworks\", \"permit_sasl_authenticated\", \"defer_unauth_destination\"]"), toml)
        XCTAssertTrue(toml.contains("sender_restrictions = [\"reject_sender_login_mismatch\"]"), toml)
        XCTAssertTrue(toml.contains("sender_login_maps = \"/etc/postfix/sender_login_maps\""), toml)
        XCTAssertTrue(toml.contains("recipient_delimiter = \"+\""), toml)
        XCTAssertTrue(toml.contains("username_format = \"%n\""), toml)
        XCTAssertTrue(toml.contains("tls_security_level = \"encrypt\"\ntls_mandatory_ciphers = \"high\"\nrelayhost = \"smtp.provider.test:587\""), toml)
        XCTAssertEqual(out.accounts.map(\.address), ["bob@example.test", "alice@example.test"])
        XCTAssertEqual(out.accounts.first?.passwordHash, "{SHA512-CRYPT}$6$salt$hash")
        XCTAssertEqual(out.aliases.map { "\($0.source)>\($0.target)" },
                       ["postmaster@example.test>bob@example.test", "info@example.test>alice@example.test", "info@example.test>bob@example.test"])
        let unmapped = out.unmapped.map(\.setting)
        XCTAssertTrue(unmapped.contains("smtpd_sender_restrictions reject_unknown_sender_domain"), "\(unmapped)")
        XCTAssertTrue(unmapped.contains("master.cf submission -o smtpd_helo_restrictions=reject_invalid_helo_hostname"), "\(unmapped)")
        XCTAssertFalse(unmapped.contains { $0.contains("syslog_name") })
    }

    func testOpenRelayListIsNotCarriedOver() throws {
        let fs = ["/p/main.cf": "myhostname = mx.example.test\nsmtpd_relay_restrictions = permit\n"]
        let out = try ConfigTranslator(read: { fs[$0] }, glob: { _ in [] }).translate(postfixDirectory: "/p", dovecotDirectory: nil, dataDirectory: "/d")
        XCTAssertFalse(out.toml.contains("relay_restrictions"))
        XCTAssertTrue(out.unmapped.contains { $0.setting == "smtpd_relay_restrictions" })
        XCTAssertTrue(out.toml.contains("domains = [\"example.test\"]"), out.toml)
    }

    func testSystemUsersThroughPAM() throws {
        let fs = ["/p/main.cf": "myhostname = mail.example.test\nhome_mailbox = Maildir/\n",
                  "/d/dovecot.conf": "passdb {\n  driver = pam\n}\n",
                  "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\ncarol:x:1001:1001::/home/carol:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n",
                  "/etc/shadow": "root:$y$j9T$r$h:1::::::\nbob:$y$j9T$salt$hash:19000:0:99999:7:::\ncarol:!:19000::::::\n",
                  "/home/bob/Maildir/dovecot-uidlist": "3 V1 N1\n"]
        let out = try ConfigTranslator(read: { fs[$0] }, glob: { _ in [] }).translate(postfixDirectory: "/p", dovecotDirectory: "/d", dataDirectory: "/v")
        XCTAssertEqual(out.accounts.map(\.address), ["bob@example.test"])
        XCTAssertEqual(out.accounts.first?.passwordHash, "$y$j9T$salt$hash")
        XCTAssertEqual(out.maildirs.map(\.path), ["/home/bob/Maildir"])
    }

    func testExpansionCyclesAndBlowupsEnd() {
        var text = "myhostname = mail.example.test\na = $a\nb = $c\nc = $b\n"
        for i in 0..<6 { text += "v\(i) = " + String(repeating: "$v\(i + 1) ", count: 8) + "\n" }
        text += "v6 = x\n"
        let cf = PostfixMainCF(text)
        XCTAssertEqual(cf.value("a"), "")
        XCTAssertEqual(cf.value("b"), "")
        XCTAssertLessThanOrEqual(cf.value("v0")!.utf8.count, 65536)
    }

    func testDovecotIncludeLoopReadsEachFileOnce() {
        let conf = DovecotConf("!include self.conf\npassdb {\n  driver = passwd-file\n  args = /u\n}\n") { _ in
            ["!include self.conf\n!include self.conf\npassdb {\n  driver = pam\n}\n"]
        }
        XCTAssertEqual(conf.passdbs.count, 2)
    }

    func testMissingMainCF() {
        XCTAssertThrowsError(try ConfigTranslator(read: { _ in nil }, glob: { _ in [] }).translate(postfixDirectory: "/x", dovecotDirectory: nil, dataDirectory: "/d"))
    }
}
