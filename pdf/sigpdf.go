package pdf

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"
)

// SignResult reports how a letter was signed.
type SignResult struct {
	// Signatures is the number of signatures on the letter.
	Signatures int
	// Timestamped is true when every signature carries a TSA token.
	Timestamped bool
	// TSAError says why a signature went out without a timestamp (the TSA
	// is optional and did not answer in time); nil otherwise.
	TSAError error
}

// sigObjects are the object numbers the signatures use in the first
// revision: one field per signature, the first signature's value, and the
// DSS dictionary (0: none).
type sigObjects struct {
	fields []int
	value  int
	dss    int
}

// allocate numbers the signature objects of the first revision.
func (s *Signer) allocate(alloc func() int) sigObjects {
	var o sigObjects
	for range s.ids {
		o.fields = append(o.fields, alloc())
	}
	o.value = alloc()
	if s.ltv != nil {
		o.dss = alloc()
	}
	return o
}

// catalogEntries are the signature entries of the document catalog.
func (o sigObjects) catalogEntries(certify bool) string {
	var b []byte
	b = append(b, "/AcroForm<</Fields["...)
	b = o.appendRefs(b)
	b = append(b, "]/SigFlags 3>>"...)
	if certify {
		b = fmt.Appendf(b, "/Perms<</DocMDP %d 0 R>>", o.value)
	}
	if o.dss != 0 {
		b = fmt.Appendf(b, "/DSS %d 0 R", o.dss)
	}
	return string(b)
}

// annots is the /Annots entry of the page that holds the signature fields.
func (o sigObjects) annots() string {
	return string(append(o.appendRefs([]byte("/Annots[")), ']'))
}

func (o sigObjects) appendRefs(b []byte) []byte {
	for i, f := range o.fields {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%d 0 R", f)
	}
	return b
}

// signSpec says where the signature objects go in a letter being assembled.
type signSpec struct {
	objs    sigObjects
	page    int    // object number of the page holding the fields
	next    int    // first unused object number
	trailer string // trailer entries but /Size
	when    time.Time
	reason  string
}

// fieldNames are the signature fields' names, in signing order.
var fieldNames = []string{"Signature1", "Signature2"}

// byteRangePlaceholder is overwritten in place once offsets are known; its
// width fits four ten-digit numbers.
const byteRangePlaceholder = "/ByteRange[0 0000000000 0000000000 0000000000]"

// placeholder locates a signature dictionary's byte range and contents;
// size is the room in bytes for the DER of the signature.
type placeholder struct {
	brPos, start, end int
	size              int
}

// sign completes the letter in w: the first revision with every signature
// field and the first (certifying) signature, then one incremental update
// per further signature, each signing the whole file before it. The
// signing time of every signature is when, the letter's printed time.
//
// When a timestamp token turns out larger than the room kept for it (the
// TSA's chain grew, or the first letters raced the start-up probe), the
// signatures are made again once with the room the token showed.
func (s *Signer) sign(ctx context.Context, w *objWriter, sp signSpec) ([]byte, SignResult, error) {
	if s.tsa == nil {
		return s.signOnce(ctx, w, sp)
	}
	mark, offsets := len(w.buf), maps.Clone(w.offsets)
	b, res, err := s.signOnce(ctx, w, sp)
	if errors.Is(err, errTokenRoom) {
		w.buf, w.offsets = w.buf[:mark], offsets
		b, res, err = s.signOnce(ctx, w, sp)
	}
	return b, res, err
}

func (s *Signer) signOnce(ctx context.Context, w *objWriter, sp signSpec) ([]byte, SignResult, error) {
	res := SignResult{Signatures: len(s.ids), Timestamped: s.tsa != nil}
	for i, f := range sp.objs.fields {
		w.begin(f)
		s.writeField(w, i, sp.page, sp.objs.value, i == 0)
		w.end()
	}
	next := sp.next
	if sp.objs.dss != 0 {
		var err error
		if next, err = s.ltv.writeDSS(ctx, w, sp.objs.dss, next, s.ids); err != nil {
			return nil, res, err
		}
	}
	w.begin(sp.objs.value)
	ph := s.writeSigDict(w, 0, sp, s.certify)
	w.end()
	start := w.xref(next, sp.trailer)
	if err := s.fill(ctx, w, 0, ph, sp, &res); err != nil {
		return nil, res, err
	}

	for i := 1; i < len(s.ids); i++ {
		value := next
		next++
		w.begin(sp.objs.fields[i])
		s.writeField(w, i, sp.page, value, true)
		w.end()
		w.begin(value)
		ph := s.writeSigDict(w, i, sp, false)
		w.end()
		start = w.xrefUpdate(next, sp.trailer, start, sp.objs.fields[i], value)
		if err := s.fill(ctx, w, i, ph, sp, &res); err != nil {
			return nil, res, err
		}
	}
	return w.buf, res, nil
}

// writeField writes signature field i, with its value when filled.
func (s *Signer) writeField(w *objWriter, i, page, value int, filled bool) {
	w.printf("<</Type/Annot/Subtype/Widget/FT/Sig/T(%s)", fieldNames[i])
	if filled {
		w.printf("/V %d 0 R", value)
	}
	w.printf("/Rect[0 0 0 0]/F 132/P %d 0 R>>", page)
}

// writeSigDict writes signature i's dictionary with placeholders for the
// byte range and the contents.
func (s *Signer) writeSigDict(w *objWriter, i int, sp signSpec, certify bool) placeholder {
	id := s.ids[i]
	w.str("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached")
	w.printf("/Name%s/Reason%s/M(%s)", textString(id.cert.Subject.CommonName), textString(sp.reason), pdfDate(sp.when))
	if certify {
		// DocMDP P=2: filling in forms and signing allowed, nothing else
		// (ISO 32000-1 12.8.2.2).
		w.str("/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P 2/V/1.2>>>>]")
	}
	ph := placeholder{size: s.reserve[i]}
	if s.tsa != nil {
		ph.size += s.tsa.room()
	}
	ph.brPos = len(w.buf)
	w.str(byteRangePlaceholder)
	w.str("/Contents")
	ph.start = len(w.buf)
	w.str("<")
	w.buf = append(w.buf, bytes.Repeat([]byte{'0'}, 2*ph.size)...)
	w.str(">")
	ph.end = len(w.buf)
	w.str(">>")
	return ph
}

// fill computes signature i over everything in w but its own /Contents
// and writes it in place.
func (s *Signer) fill(ctx context.Context, w *objWriter, i int, ph placeholder, sp signSpec, res *SignResult) error {
	br := []byte("/ByteRange[0 ")
	br = strconv.AppendInt(br, int64(ph.start), 10)
	br = append(br, ' ')
	br = strconv.AppendInt(br, int64(ph.end), 10)
	br = append(br, ' ')
	br = strconv.AppendInt(br, int64(len(w.buf)-ph.end), 10)
	br = append(br, ']')
	if len(br) > len(byteRangePlaceholder) {
		return errors.New("sign: document too large for the byte range placeholder")
	}
	for len(br) < len(byteRangePlaceholder) {
		br = append(br, ' ')
	}
	copy(w.buf[ph.brPos:], br)

	id := s.ids[i]
	h := id.alg.newHash()
	h.Write(w.buf[:ph.start])
	h.Write(w.buf[ph.end:])
	sig, err := id.sign(h.Sum(nil), sp.when)
	if err != nil {
		return err
	}
	var token []byte
	// After one timestamp failed for an optional TSA, the letter's other
	// signatures do not wait for it again.
	if s.tsa != nil && res.TSAError == nil {
		// The letter's slot (Slots) is another's while the TSA answers.
		if serr := awayFromSlot(ctx, func() { token, err = s.tsa.Timestamp(ctx, sig.value) }); serr != nil {
			return fmt.Errorf("sign: %w", serr)
		}
		if err != nil {
			if s.tsa.required || ctx.Err() != nil {
				return fmt.Errorf("sign: timestamp: %w", err)
			}
			res.Timestamped = false
			res.TSAError = err
			token = nil
		}
	}
	der, err := sig.encode(token)
	if err != nil {
		return err
	}
	if len(der) > ph.size {
		if token != nil && len(der)-len(token) <= s.reserve[i] {
			return fmt.Errorf("%w: %d bytes, %d reserved", errTokenRoom, len(der), ph.size)
		}
		return fmt.Errorf("%w: %d bytes, %d reserved", errSignatureTooLong, len(der), ph.size)
	}
	hex.Encode(w.buf[ph.start+1:], der)
	return nil
}
