// Verifies signature N of a PDF as an SM2/SM3 CMS SignedData (GM/T 0010)
// with sm-crypto, asn1js and pkijs: an implementation independent of the
// gmsm library the gateway signs with. Usage: node verify.js FILE.pdf N
// Prints one JSON line: {"digest":bool,"signature":bool,"signer":"…",
// "digestOID":"…","signatureOID":"…","contentType":"…"} and exits 0; exits
// 2 on a structural error.
'use strict';
const fs = require('fs');
const asn1js = require('asn1js');
const pkijs = require('pkijs');
const { sm2, sm3 } = require('sm-crypto');

function fail(msg) {
  process.stderr.write(msg + '\n');
  process.exit(2);
}

const [file, nArg] = process.argv.slice(2);
if (!file || !nArg) fail('usage: node verify.js FILE.pdf N');
const pdf = fs.readFileSync(file);
const ranges = [...pdf.toString('latin1').matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
const n = Number(nArg);
if (n < 1 || n > ranges.length) fail(`no signature ${n}: the file has ${ranges.length}`);
const [a, b, c, d] = ranges[n - 1].slice(1).map(Number);
if (a !== 0 || c + d > pdf.length) fail('bad byte range');

// The signed bytes: everything but the /Contents hex string.
const signed = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
const der = Buffer.from(pdf.subarray(b + 1, c - 1).toString('latin1'), 'hex');

const parsed = asn1js.fromBER(new Uint8Array(der).buffer);
if (parsed.offset === -1) fail('contents are not BER');
const ci = new pkijs.ContentInfo({ schema: parsed.result });
const sd = new pkijs.SignedData({ schema: ci.content });
const si = sd.signerInfos[0];
const cert = sd.certificates.find(
  (x) => x.serialNumber.isEqual(si.sid.serialNumber) && x.issuer.isEqual(si.sid.issuer),
);
if (!cert) fail('no certificate for the signer');

// messageDigest must be SM3 over the signed bytes.
const mdAttr = si.signedAttrs.attributes.find((x) => x.type === '1.2.840.113549.1.9.4');
if (!mdAttr) fail('no messageDigest attribute');
const md = Buffer.from(mdAttr.values[0].valueBlock.valueHexView).toString('hex');
const digestOK = md === sm3(new Uint8Array(signed));

// The signature is over the DER of the signed attributes as a SET (0x31).
const attrs = Buffer.from(si.signedAttrs.encodedValue);
attrs[0] = 0x31;
const pub = Buffer.from(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).toString('hex');
const sig = Buffer.from(si.signature.valueBlock.valueHexView).toString('hex');
const sigOK = sm2.doVerifySignature(Array.from(attrs), sig, pub, {
  der: true, hash: true, userId: '1234567812345678',
});

const cn = cert.subject.typesAndValues.find((x) => x.type === '2.5.4.3');
console.log(JSON.stringify({
  digest: digestOK,
  signature: sigOK,
  signer: cn ? cn.value.valueBlock.value : '',
  contentType: ci.contentType,
  digestOID: si.digestAlgorithm.algorithmId,
  signatureOID: si.signatureAlgorithm.algorithmId,
}));
