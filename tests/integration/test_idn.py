"""IDN forms (RFC 5890): a U-label local domain and its A-label spelling are the same domain;
no spelling of a remote domain becomes local. Decided on the parsed recipient domain."""
from __future__ import annotations

import pytest

IDN_DOMAIN = "例子.测试"
IDN_ASCII = "xn--fsqu00a.xn--0zwm56d"


@pytest.fixture(scope="module")
def idn(make_module_server):
    s = make_module_server(users=(), domains=(IDN_DOMAIN,))
    s.add_user(f"bob@{IDN_DOMAIN}")
    return s


def session(server):
    c = server.smtp()
    c.reply()
    c.cmd("EHLO client.remote.test")
    return c


def test_a_label_and_u_label_reach_the_same_account(idn):
    with session(idn) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test> SMTPUTF8", ["250 2.1.0 Ok"])
        c.expect_cmd(f"RCPT TO:<bob@{IDN_DOMAIN}>", ["250 2.1.5 Ok"])
        c.expect_cmd(f"RCPT TO:<BOB@{IDN_ASCII.upper()}>", ["250 2.1.5 Ok"])
        c.expect_cmd(f"RCPT TO:<nobody@{IDN_ASCII}>", [
            f"550 5.1.1 <nobody@{IDN_ASCII}>: Recipient address rejected: User unknown in local recipient table"])


def test_other_idn_domains_stay_remote(idn):
    with session(idn) as c:
        c.expect_cmd("MAIL FROM:<alice@remote.test> SMTPUTF8", ["250 2.1.0 Ok"])
        for rcpt in ["bob@例子.测试x", "bob@xn--fsqu00a.xn--0zwm56dx", "bob@例子.测试.evil.test", f"bob@{IDN_ASCII}.evil.test"]:
            c.expect_cmd(f"RCPT TO:<{rcpt}>", [f"554 5.7.1 <{rcpt.lower() if rcpt.isascii() else rcpt}>: Relay access denied"])


def test_cli_accepts_both_forms(idn):
    assert idn.cli("user", "list").stdout.split() == [f"bob@{IDN_ASCII}"]
    r = idn.cli("user", "add", f"carol@{IDN_ASCII}", "--password-stdin", input="carolpassword1\n")
    assert r.returncode == 0, r.stderr
