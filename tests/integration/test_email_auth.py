"""Email authentication end to end (issue 6): DKIM signing at submission, SPF/DKIM/DMARC checks and
Authentication-Results on port 25, DMARC p=reject refused at DATA and p=quarantine delivered to Junk,
and `tern dns-records` output served through [dns] local_data making `tern dns-check` report every record OK."""
from __future__ import annotations

import re
import secrets
import time

import pytest

from ternlib import DOMAIN
from ternlib_outbound import LOCAL_DATA, MX_HOST, make_out_factory, message, outbound_sections
from ternlib_submission import connect

AUTH_ON = {"inbound": {"verify": True, "dmarc_enforce": True, "dns_timeout": 3}, "dkim": {"sign": True}}


@pytest.fixture()
def make(tmp_path_factory, request):
    return make_out_factory(tmp_path_factory, request)


def zone_lines(text: str) -> list[str]:
    """The records of a zone-file snippet, comments dropped."""
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith(";")]


def dns_records(server, domain: str, *ips: str) -> list[str]:
    args = ["dns-records", domain]
    for ip in ips:
        args += ["--ip", ip]
    r = server.cli(*args)
    assert r.returncode == 0, r.stderr
    return zone_lines(r.stdout)


# A domain of someone else that publishes p=reject, one with p=quarantine, one without DMARC.
FOREIGN = [
    "paypal.test. 300 IN TXT \"v=spf1 ip4:192.0.2.1 -all\"",
    "_dmarc.paypal.test. 300 IN TXT \"v=DMARC1; p=reject\"",
    "shady.test. 300 IN TXT \"v=spf1 -all\"",
    "_dmarc.shady.test. 300 IN TXT \"v=DMARC1; p=quarantine\"",
    "plain.test. 300 IN TXT \"v=spf1 ?all\"",
]


def wait_count(server, user, n=1, mailbox="INBOX", timeout=15.0):
    deadline = time.monotonic() + timeout
    while server.count(user, mailbox) < n:
        assert time.monotonic() < deadline, server.log()[-3000:]
        time.sleep(0.1)


def header_block(stored: bytes) -> str:
    return stored.split(b"\r\n\r\n", 1)[0].decode()


def auth_results(stored: bytes) -> str:
    """The Authentication-Results field of the receiving server, unfolded."""
    m = re.search(r"(?ms)^Authentication-Results: (.*?)\r\n(?=\S)", header_block(stored) + "\r\nX")
    assert m, header_block(stored)
    return re.sub(r"\r\n[ \t]+", " ", m.group(1))


def test_submitted_mail_arrives_with_dkim_spf_dmarc_pass(make):
    # The receiving MX (mx.remote.test) checks inbound mail; it learns example.test's records from
    # `tern dns-records` of the sending instance.
    sender = make(sections={"dkim": {"sign": True}, **outbound_sections(1)}, roles=("smtp", "submission", "imap"), start=False)
    zone = dns_records(sender, DOMAIN, "127.0.0.1")
    assert any("._domainkey.example.test." in l and "k=rsa" in l for l in zone)
    assert any("._domainkey.example.test." in l and "k=ed25519" in l for l in zone)
    mx = make(sections={**AUTH_ON, "dns": {"local_data": zone + FOREIGN}}, roles=("smtp", "imap"), mynetworks=None, users=(),
              hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    sender.sections.update({"dkim": {"sign": True}, **outbound_sections(mx.ports["smtp"])})
    sender.write_config()
    sender.start()
    rcpt = "carol@remote.test"
    tag = secrets.token_hex(4)
    data = message(rcpt, tag)
    sender.submit(rcpt, data, role="submission", user=f"bob@{DOMAIN}")
    wait_count(mx, rcpt)
    [stored] = mx.fetch_all(rcpt)
    head = header_block(stored)
    # Signed at acceptance with both selectors, relaxed/relaxed, no l=.
    sigs = re.findall(r"(?m)^DKIM-Signature: (.*(?:\r\n[ \t].*)*)", head)
    assert len(sigs) == 2, head
    assert "a=rsa-sha256" in sigs[0] and "a=ed25519-sha256" in sigs[1]
    assert all("c=relaxed/relaxed" in s and " l=" not in s and "d=example.test" in s for s in sigs)
    ar = auth_results(stored)
    assert ar.startswith("mx.remote.test;"), ar
    assert re.search(r"dkim=pass header\.d=example\.test header\.s=rsa header\.a=rsa-sha256", ar), ar
    assert re.search(r"dkim=pass header\.d=example\.test header\.s=ed header\.a=ed25519-sha256", ar), ar
    assert "spf=pass smtp.mailfrom=bob@example.test" in ar, ar
    assert "spf=none smtp.helo=mail.example.test" in ar, ar     # HELO identity checked too (no SPF at the host name)
    assert "dmarc=pass (p=reject dis=none) header.from=example.test" in ar, ar
    assert re.search(r"(?m)^Received-SPF: pass \(mx\.remote\.test: domain of bob@example\.test designates 127\.0\.0\.1", head), head
    # The original message follows the added fields unchanged.
    assert stored.endswith(data)
    assert re.search(r"dkim=pass\(example\.test\),pass\(example\.test\) spf=pass dmarc=pass", mx.log()), mx.log()[-2000:]


def test_forged_from_of_reject_domain_refused_at_data(make):
    mx = make(sections={**AUTH_ON, "dns": {"local_data": FOREIGN}}, roles=("smtp", "imap"), mynetworks=None, users=(),
              hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    forged = (b"From: PayPal <service@paypal.test>\r\nTo: carol@remote.test\r\nSubject: verify your account\r\n"
              b"Message-ID: <x@paypal.test>\r\n\r\nclick here\r\n")
    c = connect(mx.ports["smtp"])
    try:
        c.expect("220 ")
        c.ehlo("mail.plain.test")
        assert c.cmd("MAIL FROM:<service@paypal.test>") == ["250 2.1.0 Ok"]
        assert c.cmd("RCPT TO:<carol@remote.test>") == ["250 2.1.5 Ok"]
        assert c.cmd("DATA")[0].startswith("354")
        c.send(forged + b".\r\n")
        assert c.reply() == ["550 5.7.1 Email rejected per DMARC policy for paypal.test"]
        # The session goes on: a legitimate message right after is accepted.
        assert c.cmd("MAIL FROM:<someone@plain.test>") == ["250 2.1.0 Ok"]
        assert c.cmd("RCPT TO:<carol@remote.test>") == ["250 2.1.5 Ok"]
        qid = c.send_data(b"From: someone@plain.test\r\nTo: carol@remote.test\r\nSubject: ok\r\n\r\nhi\r\n")
        assert qid
    finally:
        c.close()
    wait_count(mx, "carol@remote.test")
    [stored] = mx.fetch_all("carol@remote.test")
    ar = auth_results(stored)
    assert "dkim=none" in ar and "spf=neutral reason=\"plain.test: matched ?all\" smtp.mailfrom=someone@plain.test" in ar, ar
    assert "dmarc=none reason=\"no DMARC record\" header.from=plain.test" in ar, ar
    assert "spf=none smtp.helo=mail.plain.test" in ar, ar
    assert "reject: DATA from [127.0.0.1]: 550 5.7.1" in mx.log()


@pytest.mark.parametrize("head", [
    b"From: <x@plain.test>\r\nFrom: PayPal <service@paypal.test>\r\n",      # two From fields, harmless first
    b"From: PayPal <service@paypal.test>\r\nFrom: <x@plain.test>\r\n",      # two From fields, harmless last
    b"From: \r\n",                                                          # empty From
    b"",                                                                     # no From
])
def test_no_single_from_field_refused_when_dmarc_enforced(make, head):
    """RFC 7489 §6.6.1 / RFC 5322 §3.6: without exactly one From field DMARC cannot apply, so such a message must
    not slip past p=reject: it is refused with 550 5.7.1 when DMARC is enforced."""
    mx = make(sections={**AUTH_ON, "dns": {"local_data": FOREIGN}}, roles=("smtp", "imap"), mynetworks=None, users=(),
              hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    c = connect(mx.ports["smtp"])
    try:
        c.expect("220 ")
        c.ehlo("mail.plain.test")
        assert c.cmd("MAIL FROM:<x@paypal.test>") == ["250 2.1.0 Ok"]
        assert c.cmd("RCPT TO:<carol@remote.test>") == ["250 2.1.5 Ok"]
        assert c.cmd("DATA")[0].startswith("354")
        c.send(head + b"To: carol@remote.test\r\nSubject: verify your account\r\n\r\nclick here\r\n.\r\n")
        assert c.reply() == ["550 5.7.1 Message must have exactly one From field with an address"]
    finally:
        c.close()
    assert mx.count("carol@remote.test") == 0


def test_from_with_several_domains_strictest_policy_applies(make):
    """One From field listing a harmless domain and a p=reject domain: DMARC is evaluated for each (§6.6.1)."""
    mx = make(sections={**AUTH_ON, "dns": {"local_data": FOREIGN}}, roles=("smtp", "imap"), mynetworks=None, users=(),
              hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    c = connect(mx.ports["smtp"])
    try:
        c.expect("220 ")
        c.ehlo("mail.plain.test")
        assert c.cmd("MAIL FROM:<x@paypal.test>") == ["250 2.1.0 Ok"]
        assert c.cmd("RCPT TO:<carol@remote.test>") == ["250 2.1.5 Ok"]
        assert c.cmd("DATA")[0].startswith("354")
        c.send(b"From: x@plain.test, PayPal <service@paypal.test>\r\nTo: carol@remote.test\r\nSubject: s\r\n\r\nx\r\n.\r\n")
        assert c.reply() == ["550 5.7.1 Email rejected per DMARC policy for paypal.test"]
    finally:
        c.close()
    # The same with quarantine + none domains goes to Junk, and the header names the failing domain.
    mx.deliver("carol@remote.test", b"From: a@plain.test, b@shady.test\r\nSubject: q\r\n\r\nbody\r\n",
               sender="a@shady.test", helo="shady.test")
    wait_count(mx, "carol@remote.test", mailbox="Junk")
    ar = auth_results(mx.fetch_all("carol@remote.test", mailbox="Junk")[0])
    assert "dmarc=fail (p=quarantine dis=quarantine)" in ar and "header.from=shady.test" in ar, ar


def test_quoted_or_rooted_forged_results_are_removed(make):
    mx = make(sections={**AUTH_ON, "dns": {"local_data": FOREIGN}}, roles=("smtp", "imap"), mynetworks=None, users=(),
              hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    data = (f'Authentication-Results: "{MX_HOST}"; dkim=pass header.d=plain.test; dmarc=pass\r\n'
            f"Authentication-Results: {MX_HOST}.; dmarc=pass\r\n"
            f'Authentication-Results: "{MX_HOST.upper()}."; spf=pass\r\n'
            "From: <a@plain.test>\r\nTo: carol@remote.test\r\nSubject: q\r\n\r\nbody\r\n").encode()
    mx.deliver("carol@remote.test", data, sender="a@plain.test", helo="plain.test")
    wait_count(mx, "carol@remote.test")
    head = header_block(mx.fetch_all("carol@remote.test")[0])
    assert head.count("Authentication-Results:") == 1, head
    assert head.count(f"Authentication-Results: {MX_HOST};") == 1, head
    assert "removed_forged_ar=3" in mx.log()


def test_quarantine_goes_to_junk_and_forged_results_are_removed(make):
    mx = make(sections={**AUTH_ON, "dns": {"local_data": FOREIGN}}, roles=("smtp", "imap"), mynetworks=None, users=(),
              hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    data = (b"Authentication-Results: mx.remote.test; dkim=pass header.d=shady.test; dmarc=pass\r\n"
            b"Authentication-Results: elsewhere.example; spf=pass\r\n"
            b"From: <a@shady.test>\r\nTo: carol@remote.test\r\nSubject: q\r\n\r\nbody\r\n")
    mx.deliver("carol@remote.test", data, sender="a@shady.test", helo="shady.test")
    wait_count(mx, "carol@remote.test", mailbox="Junk")
    assert mx.count("carol@remote.test") == 0
    [stored] = mx.fetch_all("carol@remote.test", mailbox="Junk")
    head = header_block(stored)
    assert head.count("Authentication-Results: mx.remote.test;") == 1, head   # ours only: the forged one is gone
    assert "Authentication-Results: elsewhere.example; spf=pass" in head
    ar = auth_results(stored)
    assert "spf=fail" in ar and "dmarc=fail (p=quarantine dis=quarantine)" in ar, ar


def test_dmarc_enforce_off_per_domain_delivers(make):
    mx = make(sections={**AUTH_ON, 'inbound.domain."remote.test"': {"dmarc_enforce": False}, "dns": {"local_data": FOREIGN}},
              roles=("smtp", "imap"), mynetworks=None, users=(), hostname=MX_HOST, domains=["remote.test"])
    mx.add_user("carol@remote.test")
    mx.deliver("carol@remote.test", b"From: <service@paypal.test>\r\nSubject: x\r\n\r\nx\r\n", sender="service@paypal.test")
    wait_count(mx, "carol@remote.test")
    assert "dmarc=fail (p=reject dis=reject)" in auth_results(mx.fetch_all("carol@remote.test")[0])


def test_dns_records_pass_dns_check(make):
    s = make(sections={"dkim": {"sign": True}}, roles=("smtp",), start=False)
    zone = dns_records(s, DOMAIN, "127.0.0.1", "::1")
    text = "\n".join(zone)
    for needle in ["example.test. 3600 IN MX 10 mail.example.test.", "mail.example.test. 3600 IN A 127.0.0.1",
                   "mail.example.test. 3600 IN AAAA ::1", 'example.test. 3600 IN TXT "v=spf1 mx -all"',
                   '_dmarc.example.test. 3600 IN TXT "v=DMARC1; p=reject; rua=mailto:postmaster@example.test"',
                   "_submission._tcp.example.test. 3600 IN SRV 0 1 587 mail.example.test.",
                   "_submissions._tcp.example.test. 3600 IN SRV 0 1 465 mail.example.test.",
                   "_imap._tcp.example.test. 3600 IN SRV 0 1 143 mail.example.test.",
                   "_imaps._tcp.example.test. 3600 IN SRV 0 1 993 mail.example.test.",
                   "_pop3s._tcp.example.test. 3600 IN SRV 0 1 995 mail.example.test."]:
        assert needle in text, text
    # Before publishing: everything missing, exit 1.
    s.sections["dns"] = {"local_data": ["example.test. 300 IN A 192.0.2.1"]}   # the zone exists, the records do not
    s.write_config()
    r = s.cli("dns-check", DOMAIN, "--ip", "127.0.0.1", "--ip", "::1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.count("missing") >= 10, r.stdout
    # Published: every record OK.
    s.sections["dns"] = {"local_data": zone}
    s.write_config()
    r = s.cli("dns-check", DOMAIN, "--ip", "127.0.0.1", "--ip", "::1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == f"all {len(zone)} records OK", r.stdout
    # A wrong SPF record and a weak DMARC policy are named with the fix.
    bad = [l for l in zone if "v=spf1" not in l and "DMARC1" not in l] + [
        'example.test. 3600 IN TXT "v=spf1 +all"', '_dmarc.example.test. 3600 IN TXT "v=DMARC1; p=none"']
    s.sections["dns"] = {"local_data": bad}
    s.write_config()
    r = s.cli("dns-check", DOMAIN, "--ip", "127.0.0.1", "--ip", "::1")
    assert r.returncode == 1
    assert "wrong   SPF: example.test. TXT" in r.stdout and "wrong   DMARC: _dmarc.example.test. TXT" in r.stdout, r.stdout
    assert "p=none does not protect the domain" in r.stdout


def test_keys_created_on_first_start_with_mode_0600(make):
    s = make(sections={"dkim": {"sign": True}}, roles=("smtp",))
    keys = sorted(p.name for p in (s.data_dir / "dkim" / DOMAIN).iterdir())
    assert keys == ["ed.ed25519.pem", "rsa.rsa.pem"]
    for p in (s.data_dir / "dkim" / DOMAIN).iterdir():
        assert p.stat().st_mode & 0o777 == 0o600
    assert "created DKIM key example.test/rsa" in s.log()
    r = s.cli("dkim", "keygen", DOMAIN, "--selector", "ed2", "--algorithm", "ed25519")
    assert r.returncode == 0, r.stderr
    assert re.search(r'ed2\._domainkey\.example\.test\. 3600 IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="', r.stdout), r.stdout
    assert s.cli("dkim", "keygen", DOMAIN, "--selector", "ed2").returncode != 0   # no silent overwrite
