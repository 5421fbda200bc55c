"""BODYSTRUCTURE / BODY (RFC 9051 §7.5.2) for messages of many shapes, compared with the MIME tree
Python's `email` package parses (types, subtypes, parameters, encodings, sizes, line counts,
dispositions, languages, locations); malformed MIME never fails the FETCH. imapclient must parse
every answer too."""
from __future__ import annotations

import email
import email.policy
import email.utils
import re

import imapclient
import pytest

from ternlib import HOST, TIMEOUT

H = b"From: a@remote.test\r\nTo: bob@example.test\r\nSubject: shape\r\nMIME-Version: 1.0\r\n"

SHAPES = {
    "plain": H + b"Content-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\nworld\r\n",
    "no-content-type": b"From: a@remote.test\r\nSubject: bare\r\n\r\njust text\r\n",
    "alternative": H + b"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\npreamble\r\n"
        b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n"
        b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Gr\xc3\xbc\xc3\x9fe</p>\r\n--alt--\r\nepilogue\r\n",
    "mixed-attachment-2231": H + b"Content-Type: multipart/mixed; boundary=m1\r\n\r\n"
        b"--m1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--m1\r\nContent-Type: application/pdf; name*=utf-8''%E2%82%AC%20rates.pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf; size=6\r\n"
        b"Content-Transfer-Encoding: base64\r\nContent-ID: <att1@remote.test>\r\nContent-Description: the rates\r\n\r\n"
        b"JVBERi0x\r\n--m1--\r\n",
    "2231-continuations": H + b"Content-Type: multipart/mixed; boundary=c\r\n\r\n"
        b"--c\r\nContent-Type: application/octet-stream;\r\n name*0=\"very long \";\r\n name*1=\"file name.bin\"\r\n"
        b"Content-Disposition: attachment;\r\n filename*0*=us-ascii'en'This%20is;\r\n filename*1*=%20fun.bin\r\n\r\nxyz\r\n--c--\r\n",
    "nested-rfc822": H + b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
        b"--outer\r\nContent-Type: text/plain\r\n\r\nforwarded below\r\n"
        b"--outer\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: inner@remote.test\r\nSubject: =?utf-8?q?inn=C3=A9r?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
        b"--inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>x</b>\r\n--inner--\r\n"
        b"--outer--\r\n",
    "language-location": H + b"Content-Type: multipart/mixed; boundary=l\r\n\r\n"
        b"--l\r\nContent-Type: text/plain; charset=iso-8859-1; format=flowed\r\nContent-Language: de, en-GB\r\n"
        b"Content-Location: http://example.test/a.txt\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nK\xf6ln\r\n"
        b"--l\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--l--\r\n",
    "related-three-levels": H + b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: multipart/related; boundary=b; type=\"multipart/alternative\"\r\n\r\n"
        b"--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
        b"--c\r\nContent-Type: text/plain\r\n\r\nplain\r\n--c\r\nContent-Type: text/html\r\n\r\n<img src=cid:i1>\r\n--c--\r\n"
        b"--b\r\nContent-Type: image/gif\r\nContent-ID: <i1>\r\nContent-Transfer-Encoding: base64\r\n\r\nR0lGODlh\r\n--b--\r\n"
        b"--a\r\nContent-Type: text/csv; name=data.csv\r\n\r\na,b\r\n1,2\r\n--a--\r\n",
    "8bit-headers": b"From: J\xc3\xbcrgen <j@remote.test>\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=e\r\n\r\n--e\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xc3\xa9t\xc3\xa9\r\n"
        b"--e\r\nContent-Type: application/octet-stream; name=\"r\xc3\xa9sum\xc3\xa9.doc\"\r\n\r\nbin\r\n--e--\r\n",
    "digest": H + b"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nFrom: x@remote.test\r\nSubject: one\r\n\r\nfirst\r\n--d--\r\n",
}

MALFORMED = {
    "missing-boundary-param": H + b"Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n",
    "missing-close-delimiter": H + b"Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nnever closed\r\n",
    "boundary-never-used": H + b"Content-Type: multipart/alternative; boundary=zz\r\n\r\nno parts at all\r\n",
    "garbage-content-type": H + b"Content-Type: ;;;==\"\r\nContent-Transfer-Encoding: \x01\x02\r\n\r\nbody\r\n",
    "type-without-subtype": H + b"Content-Type: text\r\n\r\nbody\r\n",
    "unterminated-params": H + b"Content-Type: text/plain; charset=\"utf-8; name*0*=bad%ZZ\r\n\r\nbody\r\n",
    "header-only": b"Subject: no body, no blank line\r\n",
    "binary-garbage": bytes(range(1, 256)) + b"\r\n\r\n" + bytes(range(256)),
    "empty-rfc822": H + b"Content-Type: multipart/mixed; boundary=r\r\n\r\n--r\r\nContent-Type: message/rfc822\r\n\r\n--r--\r\n",
    "deep-nesting": H + b"".join(b"Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n" % (i, i) for i in range(300))
        + b"Content-Type: text/plain\r\n\r\ndeep\r\n",
    "deep-rfc822": H + b"Content-Type: message/rfc822\r\n\r\n" * 300 + b"\r\nend\r\n",
}


def tokenize(data: bytes):
    """IMAP s-expressions: lists, NIL, numbers, quoted strings, literals (RFC 9051 §4)."""
    i = 0
    def parse():
        nonlocal i
        while data[i:i + 1] == b" ":
            i += 1
        c = data[i:i + 1]
        if c == b"(":
            i += 1
            out = []
            while True:
                while data[i:i + 1] == b" ":
                    i += 1
                if data[i:i + 1] == b")":
                    i += 1
                    return out
                out.append(parse())
        if c == b'"':
            j = i + 1
            buf = b""
            while data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                buf += data[j:j + 1]
                j += 1
            i = j + 1
            return buf
        if c == b"{":
            m = re.match(rb"\{(\d+)\}\r\n", data[i:])
            n = int(m.group(1))
            start = i + m.end()
            i = start + n
            return data[start:i]
        m = re.match(rb"[^ ()]+", data[i:])
        i += m.end()
        tok = m.group(0)
        return None if tok == b"NIL" else int(tok) if tok.isdigit() else tok
    return parse()


def param_list(values):
    if values is None:
        return {}
    return {values[k].decode().lower(): values[k + 1].decode("utf-8", "surrogateescape") for k in range(0, len(values), 2)}


def py_params(part, header="content-type"):
    params = part.get_params(header=header, failobj=None) or []
    out = {}
    for name, value in params[1:]:
        out[name.lower()] = email.utils.collapse_rfc2231_value(value)
    return out


def raw_len(text: str) -> int:
    return len(text.encode("ascii", "surrogateescape"))


def compare(tern, part, where="root"):
    """Asserts Tern's extensible BODYSTRUCTURE `tern` describes Python's `part`."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        children = []
        while isinstance(tern[len(children)], list):
            children.append(tern[len(children)])
        subtype = tern[len(children)]
        assert subtype.decode().lower() == part.get_content_subtype(), where
        payload = part.get_payload()
        assert len(children) == len(payload), (where, len(children), len(payload))
        ext = tern[len(children) + 1:]
        assert param_list(ext[0]) == py_params(part), where
        for n, (t, p) in enumerate(zip(children, payload), 1):
            compare(t, p, f"{where}.{n}")
        return
    ctype, subtype, params, cid, desc, cte, size = tern[:7]
    assert (ctype.decode().lower(), subtype.decode().lower()) == (part.get_content_maintype(), part.get_content_subtype()), where
    expected_params = py_params(part)
    if part.get("Content-Type") is None and part.get_content_type() == "text/plain":
        expected_params = {"charset": "US-ASCII"}  # RFC 2045 §5.2 default, as IMAP reports it
    got_params = param_list(params)
    for k, v in expected_params.items():
        if "\ufffd" in v and k in got_params:
            # Python's email replaces each raw 8-bit header octet with U+FFFD; Tern keeps the octets.
            got_params[k] = got_params[k].encode("utf-8", "surrogateescape").decode("ascii", "replace")
    assert got_params == expected_params, (where, got_params, expected_params)
    assert (cid.decode() if cid else None) == (part.get("Content-ID") and str(part.get("Content-ID")).strip()), where
    assert cte.decode().lower() == (part.get("Content-Transfer-Encoding") or "7bit").strip().lower(), where
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()[0]
        compare(tern[8], inner, where + ".msg")
        rest = tern[10:]
    else:
        body = part._payload  # the raw text (8-bit octets as surrogates), not charset-decoded
        assert size == raw_len(body), (where, size, raw_len(body))
        rest = tern[8:] if ctype.decode().lower() == "text" else tern[7:]
        if ctype.decode().lower() == "text":
            lines = body.count("\n") + (0 if body.endswith("\n") or not body else 1)
            assert tern[7] == lines, (where, tern[7], lines)
    md5, disposition, language, location = (rest + [None] * 4)[:4]
    assert md5 == (part.get("Content-MD5").strip().encode() if part.get("Content-MD5") else None), where
    if part.get_content_disposition():
        assert disposition[0].decode().lower() == part.get_content_disposition(), where
        assert param_list(disposition[1]) == py_params(part, "content-disposition"), where
    else:
        assert disposition is None, where
    langs = [x.strip() for x in (part.get("Content-Language") or "").split(",") if x.strip()]
    got = [] if language is None else [language] if isinstance(language, bytes) else language
    assert [x.decode() for x in got] == langs, where
    assert location == (part.get("Content-Location").encode() if part.get("Content-Location") else None), where


@pytest.fixture(scope="module")
def loaded(server):
    addr, pw = server.new_user()
    c = imapclient.IMAPClient(HOST, port=server.ports["imap"], ssl=False, timeout=TIMEOUT)
    c.login(addr, pw)
    names = list(SHAPES) + list(MALFORMED)
    for name in names:
        c.append("INBOX", (SHAPES | MALFORMED)[name])
    c.logout()
    return addr, pw, {name: i + 1 for i, name in enumerate(names)}


def fetch_structure(server, addr, pw, seq: int, item: str) -> bytes:
    with server.imap_raw() as conn:
        conn.readline()
        conn.login(addr, pw)
        conn.ok("EXAMINE INBOX")
        untagged = conn.ok(f"FETCH {seq} {item}")
    assert len(untagged) == 1
    line = untagged[0]
    prefix = f"* {seq} FETCH ({item} ".encode()
    assert line.startswith(prefix) and line.endswith(b")\r\n"), line[:200]
    return line[len(prefix):-3]


@pytest.mark.parametrize("name", list(SHAPES))
def test_bodystructure_matches_python_email(server, loaded, name):
    addr, pw, seqs = loaded
    raw = fetch_structure(server, addr, pw, seqs[name], "BODYSTRUCTURE")
    parsed = email.message_from_bytes(SHAPES[name], policy=email.policy.compat32)
    compare(tokenize(raw), parsed)


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_mime_never_fails_fetch(server, loaded, name):
    addr, pw, seqs = loaded
    for item in ("BODYSTRUCTURE", "BODY", "ENVELOPE"):
        tree = tokenize(fetch_structure(server, addr, pw, seqs[name], item))
        assert isinstance(tree, list) and tree, (name, item)


def test_imapclient_parses_every_structure(server, loaded):
    addr, pw, seqs = loaded
    c = imapclient.IMAPClient(HOST, port=server.ports["imap"], ssl=False, timeout=TIMEOUT)
    c.login(addr, pw)
    c.select_folder("INBOX", readonly=True)
    got = c.fetch(list(range(1, len(seqs) + 1)), ["BODYSTRUCTURE", "BODY", "BODY.PEEK[1.MIME]"])
    assert len(got) == len(seqs)
    alt = got[seqs["alternative"]][b"BODYSTRUCTURE"]
    assert alt.is_multipart and alt[1] == b"ALTERNATIVE" and alt[0][0][:2] == (b"TEXT", b"PLAIN")
    att = got[seqs["mixed-attachment-2231"]][b"BODYSTRUCTURE"][0][1]
    assert att[2] == (b"NAME", "€ rates.pdf".encode()), att
    c.logout()
