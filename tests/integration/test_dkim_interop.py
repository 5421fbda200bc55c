"""DKIM interop with an independent implementation (issue 6): dkimpy (PyPI `dkimpy`, with PyNaCl for
Ed25519) verifies what `tern dkim sign` produces, and `tern dkim verify` accepts what dkimpy signs —
RSA-SHA256 and Ed25519-SHA256, simple and relaxed canonicalization. DNS is answered from test data:
dkimpy through its `dnsfunc` hook, Tern through `--dns-file`."""
from __future__ import annotations

import base64
import subprocess

import pytest

import ternlib
from ternlib import TernServer

dkim = pytest.importorskip("dkim", reason="pip install 'dkimpy[ed25519]' (scripts/install-deps)")
nacl_signing = pytest.importorskip("nacl.signing", reason="pip install pynacl (dkimpy Ed25519)")

MESSAGE = (b"From: Alice Example <alice@example.test>\r\nTo: bob@example.net\r\nCc: carol@example.net\r\n"
           b"Subject:   Interop   test\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <interop@example.test>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"Hello Bob,   \r\n\r\n\tindented line  \r\nlast line\r\n\r\n\r\n")

CANONS = ["simple/simple", "relaxed/relaxed", "relaxed/simple", "simple/relaxed"]


def run_tern(*args, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(ternlib.tern_binary()), *args], input=input, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Tern's keys for example.test (rsa, ed) created by `tern dns-records`, the zone it prints, and
    dkimpy's own RSA-2048 and Ed25519 keys published next to them."""
    d = tmp_path_factory.mktemp("interop")
    server = TernServer(d, sections={"dkim": {"sign": True}}, roles=("smtp",))
    r = server.cli("dns-records", "example.test", "--ip", "127.0.0.1")
    assert r.returncode == 0, r.stderr
    zone = r.stdout
    # dkimpy's keys: an RSA-2048 PEM made by openssl, an Ed25519 seed from PyNaCl.
    rsa_pem = d / "py-rsa.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(rsa_pem), "2048"], check=True, capture_output=True)
    spki = subprocess.run(["openssl", "rsa", "-in", str(rsa_pem), "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
    seed = nacl_signing.SigningKey.generate()
    ed_public = base64.b64encode(bytes(seed.verify_key)).decode()
    zone += f'pyrsa._domainkey.example.test. 300 IN TXT "v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}"\n'
    zone += f'pyed._domainkey.example.test. 300 IN TXT "v=DKIM1; k=ed25519; p={ed_public}"\n'
    zone_file = d / "zone.txt"
    zone_file.write_text(zone)
    records = {}
    for line in zone.splitlines():
        if " IN TXT " in line and not line.startswith(";"):
            name, _, rest = line.partition(" ")
            text = "".join(part for i, part in enumerate(rest.split('"')) if i % 2 == 1)
            records[name.rstrip(".").lower()] = text.encode()
    return {"server": server, "zone_file": zone_file, "records": records, "rsa_pem": rsa_pem.read_bytes(),
            "ed_seed": base64.b64encode(bytes(seed)), "rsa_key_file": server.data_dir / "dkim" / "example.test" / "rsa.rsa.pem"}


def dnsfunc(records):
    def lookup(name, timeout=5):
        return records.get(name.decode().rstrip(".").lower() if isinstance(name, bytes) else name.rstrip(".").lower(), b"")
    return lookup


def test_tern_signed_verifies_with_dkimpy_both_keys(keys):
    """Default signing (configured keys of the From domain: rsa + ed, relaxed/relaxed, over-signed h=)."""
    r = subprocess.run([str(ternlib.tern_binary()), "dkim", "sign", "-", "--config", str(keys["server"].config_path)],
                       input=MESSAGE, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    signed = r.stdout
    d = dkim.DKIM(signed)
    results = [d.verify(idx=i, dnsfunc=dnsfunc(keys["records"])) for i in range(2)]
    assert results == [True, True], (results, signed[:900])
    assert signed.endswith(MESSAGE)


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_tern_signed_with_each_canonicalization_verifies_with_dkimpy(keys, tmp_path, canon, algorithm):
    key_file = keys["rsa_key_file"] if algorithm == "rsa" else keys["server"].data_dir / "dkim" / "example.test" / "ed.ed25519.pem"
    selector = "rsa" if algorithm == "rsa" else "ed"
    msg = tmp_path / "m.eml"
    msg.write_bytes(MESSAGE)
    r = run_tern("dkim", "sign", str(msg), "--key", str(key_file), "--domain", "example.test", "--selector", selector,
                 "--canonicalization", canon)
    assert r.returncode == 0, r.stderr
    assert f"c={canon}".encode() in r.stdout
    assert dkim.verify(r.stdout, dnsfunc=dnsfunc(keys["records"])), r.stdout[:900]
    tampered = r.stdout.replace(b"last line", b"last  line!")
    assert not dkim.verify(tampered, dnsfunc=dnsfunc(keys["records"]))


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("algorithm", ["rsa-sha256", "ed25519-sha256"])
def test_dkimpy_signed_verifies_in_tern(keys, tmp_path, canon, algorithm):
    header, body = canon.split("/")
    if algorithm == "rsa-sha256":
        selector, key = b"pyrsa", keys["rsa_pem"]
    else:
        selector, key = b"pyed", keys["ed_seed"]
    sig = dkim.sign(MESSAGE, selector, b"example.test", key, canonicalize=(header.encode(), body.encode()),
                    signature_algorithm=algorithm.encode(),
                    include_headers=[b"from", b"to", b"cc", b"subject", b"date", b"message-id"])
    signed = tmp_path / "signed.eml"
    signed.write_bytes(sig + MESSAGE)
    r = run_tern("dkim", "verify", str(signed), "--dns-file", str(keys["zone_file"]))
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout.decode().strip() == f"dkim=pass d=example.test s={selector.decode()} a={algorithm}"
    signed.write_bytes(sig + MESSAGE.replace(b"Interop", b"Intercept"))
    r = run_tern("dkim", "verify", str(signed), "--dns-file", str(keys["zone_file"]))
    assert r.returncode == 1
    assert r.stdout.decode().startswith("dkim=fail ")


def test_dkimpy_signed_with_body_length_is_reported(keys, tmp_path):
    sig = dkim.sign(MESSAGE, b"pyrsa", b"example.test", keys["rsa_pem"], canonicalize=(b"relaxed", b"relaxed"), length=True)
    signed = tmp_path / "l.eml"
    signed.write_bytes(sig + MESSAGE + b"appended after signing\r\n")
    r = run_tern("dkim", "verify", str(signed), "--dns-file", str(keys["zone_file"]))
    assert r.returncode == 0, r.stdout
    # 28 = the two empty lines that were trailing (and so not counted) at signing time + the 24 appended octets.
    assert b"dkim=pass d=example.test s=pyrsa a=rsa-sha256 (l= leaves 28 body octets unsigned)" in r.stdout, r.stdout
