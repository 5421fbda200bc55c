"""Outbound TLS policy (issue 4) against aiosmtpd MXs with and without STARTTLS:
`may` uses STARTTLS when offered (and falls back to plaintext after a failed handshake),
`none` never does, `encrypt` refuses a plaintext-only MX and defers, `verify` refuses a self-signed
or wrongly named certificate and defers but delivers with the right CA (`tls_ca_file`),
`tls_mandatory_ciphers = "high"` refuses a CBC-only TLS 1.2 MX, and per-domain
`[outbound.policy."domain"]` overrides the default."""
from __future__ import annotations

import re
import secrets
import ssl
import time

import pytest

from ternlib import DOMAIN
from ternlib_outbound import (MX_HOST, Sink, ca_signed, make_out_factory, message, outbound_sections, self_signed,
                              sent_line_re, server_context)


@pytest.fixture()
def make(tmp_path_factory, request):
    """Per-test servers (one TLS policy each), stopped at the end of their test."""
    return make_out_factory(tmp_path_factory, request)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    self_crt, self_key = self_signed(d / "self")
    ca, leaf, leaf_key = ca_signed(d / "ca")
    _, wrong, wrong_key = ca_signed(d / "wrong", cn="wrong.remote.test")
    ca_wrong = d / "wrong" / "ca.crt"
    return dict(self=(self_crt, self_key), ca=ca, leaf=(leaf, leaf_key), wrong=(wrong, wrong_key), ca_wrong=ca_wrong)


@pytest.fixture(scope="module")
def sinks(certs):
    """plain: no STARTTLS; self: self-signed; ca: signed by our CA for mx.remote.test;
    wrong: signed by another CA for wrong.remote.test; cbc: TLS 1.2 with AES128-SHA only."""
    cbc = server_context(*certs["self"])
    cbc.maximum_version = ssl.TLSVersion.TLSv1_2
    cbc.set_ciphers("AES128-SHA")
    out = {
        "plain": Sink(ident="plain"),
        "self": Sink(server_context(*certs["self"]), ident="selfsigned"),
        "ca": Sink(server_context(*certs["leaf"]), ident="ca-signed"),
        "wrong": Sink(server_context(*certs["wrong"]), ident="wrong-name"),
        "cbc": Sink(cbc, ident="cbc-only"),
    }
    for s in out.values():
        s.start()
    yield out
    for s in out.values():
        s.stop()


def tag() -> str:
    return "t" + secrets.token_hex(4)


def send(srv, domain="remote.test"):
    t = tag()
    rcpt = f"{t}@{domain}"
    data = message(rcpt, t)
    return srv.submit(rcpt, data), rcpt, data


def assert_deferred_not_delivered(srv, sink, qid, rcpt, reason: str, attempts: int = 2):
    """At least `attempts` deferrals (minimal_backoff_time = 1), nothing reached DATA, still queued."""
    lines = srv.wait_log_for(qid, rf"to=<{re.escape(rcpt)}>, .*status=deferred \(", count=attempts, timeout=15)
    for l in lines:
        assert re.search(reason, l), l
    assert not srv.log_lines_for(qid, rf"to=<{re.escape(rcpt)}>, .*status=(sent|bounced)"), srv.log_lines_for(qid, "")
    assert sink.handler.deliveries(rcpt) == []
    q = srv.queue_list()
    assert qid in q and f"<{rcpt}> pending" in q, q
    return lines


# --------------------------------------------------------------------------- may / none


def test_may_uses_starttls_when_offered(make, sinks):
    sink = sinks["self"]
    srv = make(sections=outbound_sections(sink.port, level="may"))
    qid, rcpt, data = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls == "TLSv1.3", r
    srv.wait_log_for(qid, sent_line_re(rcpt, sink.port, tls="TLSv1.3"))
    assert data in r.content


def test_may_without_starttls_delivers_plaintext(make, sinks):
    sink = sinks["plain"]
    srv = make(sections=outbound_sections(sink.port, level="may"))
    qid, rcpt, _ = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls is None
    line = srv.wait_log_for(qid, sent_line_re(rcpt, sink.port))[0]
    assert "tls=" not in line, line


def test_none_never_starttls(make, sinks):
    sink = sinks["self"]
    srv = make(sections=outbound_sections(sink.port, level="none"))
    qid, rcpt, _ = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls is None, r
    line = srv.wait_log_for(qid, sent_line_re(rcpt, sink.port))[0]
    assert "tls=" not in line, line


def test_may_failed_handshake_retries_in_plaintext(make, sinks):
    """`high` ciphers against a CBC-only TLS 1.2 MX: the handshake fails; with `may` Tern
    reconnects without STARTTLS (as Postfix does) and says so in the log."""
    sink = sinks["cbc"]
    srv = make(sections=outbound_sections(sink.port, level="may", extra={"tls_mandatory_ciphers": "high"}))
    qid, rcpt, _ = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls is None, r
    srv.wait_log_for(qid, rf"TLS handshake with {re.escape(MX_HOST)}\[127\.0\.0\.1\]:{sink.port} failed; retrying in plaintext")
    line = srv.wait_log_for(qid, sent_line_re(rcpt, sink.port))[0]
    assert "tls=" not in line, line


# --------------------------------------------------------------------------- encrypt


def test_encrypt_refuses_plaintext_only_mx(make, sinks):
    sink = sinks["plain"]
    srv = make(sections=outbound_sections(sink.port, level="encrypt"))
    qid, rcpt, _ = send(srv)
    assert_deferred_not_delivered(srv, sink, qid, rcpt, r"dsn=4\.7\.4, status=deferred \(454 4\.7\.4 TLS is required")


def test_encrypt_accepts_self_signed(make, sinks):
    sink = sinks["self"]
    srv = make(sections=outbound_sections(sink.port, level="encrypt"))
    qid, rcpt, _ = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls == "TLSv1.3"
    srv.wait_log_for(qid, sent_line_re(rcpt, sink.port, tls="TLSv1.3"))


def test_encrypt_high_refuses_cbc_only_mx(make, sinks):
    sink = sinks["cbc"]
    srv = make(sections=outbound_sections(sink.port, level="encrypt", extra={"tls_mandatory_ciphers": "high"}))
    qid, rcpt, _ = send(srv)
    assert_deferred_not_delivered(srv, sink, qid, rcpt, r"status=deferred \(454 4\.7\.5 TLS handshake")
    assert "retrying in plaintext" not in srv.log()


def test_encrypt_without_high_accepts_tls12_cbc(make, sinks):
    """Control for the test above: the same MX is fine without `high` (TLS 1.2, AES128-SHA)."""
    sink = sinks["cbc"]
    srv = make(sections=outbound_sections(sink.port, level="encrypt"))
    qid, rcpt, _ = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls == "TLSv1.2", r
    srv.wait_log_for(qid, sent_line_re(rcpt, sink.port, tls="TLSv1.2"))


# --------------------------------------------------------------------------- verify


def test_verify_refuses_self_signed(make, sinks):
    sink = sinks["self"]
    srv = make(sections=outbound_sections(sink.port, level="verify"))
    qid, rcpt, _ = send(srv)
    assert_deferred_not_delivered(srv, sink, qid, rcpt, r"status=deferred \(454 4\.7\.5 TLS handshake", attempts=1)
    assert "retrying in plaintext" not in srv.log()


def test_verify_with_ca_delivers_over_tls13(make, sinks, certs):
    sink = sinks["ca"]
    srv = make(sections=outbound_sections(sink.port, level="verify", extra={"tls_ca_file": str(certs["ca"])}))
    qid, rcpt, data = send(srv)
    [r] = sink.wait_deliveries(1, rcpt=rcpt)
    assert r.tls == "TLSv1.3"
    srv.wait_log_for(qid, sent_line_re(rcpt, sink.port, tls="TLSv1.3"))
    assert data in r.content
    srv.wait_queue_empty()


def test_verify_refuses_wrong_hostname(make, sinks, certs):
    """Chain is fine (its CA is trusted) but the certificate names wrong.remote.test, not the MX."""
    sink = sinks["wrong"]
    srv = make(sections=outbound_sections(sink.port, level="verify", extra={"tls_ca_file": str(certs["ca_wrong"])}))
    qid, rcpt, _ = send(srv)
    assert_deferred_not_delivered(srv, sink, qid, rcpt, r"status=deferred \(454 4\.7\.5 TLS handshake", attempts=1)


def test_verify_with_ca_refuses_other_ca(make, sinks, certs):
    """A CA file that did not sign the MX's certificate gives no trust."""
    sink = sinks["ca"]
    srv = make(sections=outbound_sections(sink.port, level="verify", extra={"tls_ca_file": str(certs["ca_wrong"])}))
    qid, rcpt, _ = send(srv)
    assert_deferred_not_delivered(srv, sink, qid, rcpt, r"status=deferred \(454 4\.7\.5 TLS handshake", attempts=1)


# --------------------------------------------------------------------------- per-domain policy


def test_per_domain_policy_overrides_default(make, sinks):
    """Default `may`; remote.test must be `encrypt`. Against a plaintext-only MX other.test is
    delivered and remote.test is deferred."""
    sink = sinks["plain"]
    srv = make(sections=outbound_sections(sink.port, level="may", policies={"Remote.Test": {"tls_security_level": "encrypt"}}))
    t = tag()
    strict, lax = f"{t}@remote.test", f"{t}@other.test"
    qid = srv.submit([strict, lax], message(strict, t))
    sink.wait_deliveries(1, rcpt=lax)
    srv.wait_log_for(qid, sent_line_re(lax, sink.port))
    assert_deferred_not_delivered(srv, sink, qid, strict, r"status=deferred \(454 4\.7\.4 TLS is required", attempts=1)
    q = srv.queue_list()
    assert f"<{lax}> sent" in q, q
