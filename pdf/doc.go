// Package pdf renders and signs electronic bid-bond guarantee letters
// (电子投标保函 / 投标保证保险保单), PRODUCT.md "Guarantee letter (PDF)".
//
// It is a leaf package: it imports nothing of ours and knows nothing of
// guarantees beyond its own input, Letter. The service fills a Letter from
// its records and stores what Render returns.
//
// # Use
//
//	signer, err := pdf.LoadSigner(certPEM, keyPEM)      // or GenerateDevSigner
//	r, err := pdf.NewRenderer(pdf.Options{Signer: signer}) // once per process
//	b, err := r.Render(pdf.Letter{Kind: pdf.KindBank, …})  // per letter, concurrently
//
// # The letter
//
// A4, Chinese, in the words of the bid-bond model of the NDRC 2007
// 《标准施工招标文件》: addressed to the tenderer (致…), unconditional and
// irrevocable, the two trigger events (withdrawing or changing the bid within
// its validity; refusing without good reason to sign the contract or to
// furnish the performance security after award), payment within 7 days of a
// written demand, valid for the bid validity period, demands to arrive by the
// claim deadline. Kind selects the wording: a bank's guarantee (保证人, 我行),
// a guarantor's (担保人, 我方) or an insurer's bid-bond insurance policy
// (投保人 = bidder, 被保险人 = tenderer, 保险金额 = amount, 保险人 = issuer).
//
// The page carries a particulars table, the body, the issuer's signature
// block under a drawn red seal, a QR code of Letter.VerifyURL with the check
// code, and a footer with the verification URL on every page. Amounts appear
// in figures (¥20,000.00) and in Chinese capitals (AmountInWords). Times are
// printed in Beijing time (UTC+8, a fixed zone: the machine's zone and tz
// database are never used).
//
// A Sealed letter (before bid opening) prints the platform's ciphertext in
// the tenderer, tenderer code, project, section name and number fields, with
// a banner saying the content is encrypted until opening
// (开标前加密，开标后由交易平台解密还原); after restore the same fields hold the
// plaintext. A letter signed with a development certificate is marked
// 开发测试证书签名，不具法律效力 on every page and does not claim legal effect.
//
// Long content flows onto further pages: table rows split with their label
// marked （续）, continuation pages repeat the guarantee number, and the last
// paragraph always stays with the signature block.
//
// # Signature
//
// A Renderer with a Signer signs every letter (NewSigner, SignerConfig):
//
//   - The first signature, RSA (2048+) or ECDSA P-256 with SHA-256, is the
//     one every PDF reader verifies. With Certify it certifies the letter:
//     DocMDP P=2 in its /Reference and the catalog's /Perms.
//   - An SM2 certificate beside it adds an SM2/SM3 signature in CMS with the
//     GM/T 0010 / GB/T 35275 object identifiers (signedData
//     1.2.156.10197.6.1.4.2.2, SM3 1.2.156.10197.1.401, SM2
//     1.2.156.10197.1.301.1), default user ID 1234567812345678, in a second
//     signature field filled by an incremental update that covers the whole
//     file. An SM2 certificate alone is the only, certifying signature.
//   - /M, the CMS signingTime and the issue time printed on the letter are
//     the same instant (Letter.IssueTime).
//   - With a TSA, each signature carries an RFC 3161 timestamp token over
//     the SHA-256 of its signature value (unsigned attribute
//     id-aa-signatureTimeStampToken); RenderContext reports a letter that
//     went out without one.
//   - With an LTV, the catalog's DSS holds the chains and the CRLs and OCSP
//     responses they name.
//
// The CMS encoder is ours (cms.go) rather than a library's: gmsm's pkcs7
// fixes signingTime to time.Now() and adds no attributes after signing.
// gmsm supplies SM2, SM3, smx509 and, in VerifySignatures, the verifier.
//
// Keys: PEM files (PKCS#8, encrypted with PBES2 or not, SEC 1, PKCS#1), or
// any crypto.Signer (SignerConfig.Key, SM2Key): cmd/baohan opens PKCS#11
// tokens with crypto11. An SDF device (GM/T 0018) would be another
// crypto.Signer: Sign(rand, msg, opts) receives, for SM2, the DER of the
// signed attributes with opts sm2.DefaultSM2SignerOpts (compute Z_A with the
// default user ID and SM3 over Z_A ‖ msg, e.g. SDF_InternalSign_ECC on that
// digest) and returns the DER SEQUENCE{r, s}; for RSA/ECDSA it receives a
// SHA-256 digest with crypto.SHA256.
//
// # Fonts
//
// The CJK font is LXGW WenKai Regular (SIL Open Font License 1.1, licence in
// fonts/OFL.txt), embedded in the binary with go:embed; nothing needs to be
// installed. Letters embed subsets of it as CIDFontType2 fonts with
// Identity-H encoding and ToUnicode maps, so text can be searched, copied
// and extracted (pdftotext). Text from outside is printed as faithfully as the
// page allows (print.go): control and format characters as spaces; a
// character the font lacks from Options.FallbackFont when one is given
// (embedded as a third subset, /F3), otherwise as a visible □ whose text
// extraction still gives the character; RenderReport says what was
// changed. Lines are broken by our own code, one
// character at a time with Chinese line-breaking rules (no closing mark at
// the start of a line, no opening mark at the end), and justified.
//
// # Performance
//
// A naive renderer (fpdf with the 15 MB font) took about 29 ms per letter,
// most of it parsing and subsetting the font for each document. Here:
//
//   - NewRenderer parses the font once (about 5 ms) and builds a subset of
//     every character the fixed wording, digits, ASCII and capital amounts
//     can use (about 330 glyphs, base64 ciphertext included), compressed
//     once at the best level and kept as finished PDF objects (/F1).
//     Options.FixedText adds the institution's own name and address to it.
//   - Per letter, only the characters not in that subset (typically 20 to
//     40 from names and addresses) go into a small second font (/F2),
//     subset and compressed at the fastest level. A letter is about 85 KB.
//   - We write the PDF ourselves: one pass, content streams compressed with
//     pooled zlib writers, the signature dictionary written in place with a
//     fixed-size /Contents placeholder, then the byte range is hashed and
//     signed. No re-parsing; the SM2 signature's incremental update appends
//     two objects and an xref section to the same buffer.
//   - The QR code is encoded per letter (about a third of the remaining
//     time) and drawn as vector rectangles.
//
// On the development machine (one core of an AMD EPYC, go test -bench
// -cpu 1): about 1.3 ms per letter with ECDSA P-256 and 2.1 ms with RSA-2048,
// and about 2.0 ms with ECDSA and SM2 both (DSS included, TSA excluded),
// against a target of 3 ms. Run `go test ./pdf -run X -bench . -cpu 1`.
//
// # Tests
//
// The tests need poppler-utils (pdftotext, pdfsig, pdffonts, pdftoppm) and
// zbar-tools (zbarimg), and node with the npm packages of
// testdata/sm2verify (`npm ci` there: sm-crypto, asn1js, pkijs, which verify
// the SM2 signatures independently of gmsm), and fail, rather than skip,
// without them. A local TSA and CRL server run inside the tests. Golden
// files in testdata hold the capital amounts and the text of the six letter
// variants; `go test ./pdf -update` rewrites them, and
// `go test ./pdf -run TestLetterGolden -letters DIR` writes the six variants
// as PDF and PNG for review.
package pdf
