package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
)

// objWriter appends PDF objects to buf and records where each begins, for
// the cross-reference table.
type objWriter struct {
	buf     []byte
	offsets map[int]int
}

func (w *objWriter) begin(n int) {
	if w.offsets == nil {
		w.offsets = make(map[int]int, 32)
	}
	w.offsets[n] = len(w.buf)
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, " 0 obj\n"...)
}

func (w *objWriter) end() { w.buf = append(w.buf, "\nendobj\n"...) }

func (w *objWriter) printf(format string, args ...any) {
	w.buf = fmt.Appendf(w.buf, format, args...)
}

func (w *objWriter) str(s string) { w.buf = append(w.buf, s...) }

// stream writes a complete stream object with a FlateDecode filter.
func (w *objWriter) stream(n int, dict string, data []byte, z *zpool, level int) error {
	packed, err := z.compress(data, level)
	if err != nil {
		return err
	}
	w.begin(n)
	w.printf("<<%s/Length %d/Filter/FlateDecode>>stream\n", dict, len(packed))
	w.buf = append(w.buf, packed...)
	w.str("\nendstream")
	w.end()
	return nil
}

// xref writes the cross-reference table and trailer for objects 1 … size-1
// and returns where the table starts.
func (w *objWriter) xref(size int, trailer string) int {
	start := len(w.buf)
	w.printf("xref\n0 %d\n0000000000 65535 f \n", size)
	for n := 1; n < size; n++ {
		off, ok := w.offsets[n]
		if !ok {
			// Unused number: a free entry (never produced by Render, which
			// numbers objects densely).
			w.str("0000000000 65535 f \n")
			continue
		}
		w.printf("%010d 00000 n \n", off)
	}
	w.printf("trailer\n<<%s/Size %d>>\nstartxref\n%d\n%%%%EOF\n", trailer, size, start)
	return start
}

// xrefUpdate writes the cross-reference section of an incremental update
// that (re)defines objs, its trailer pointing at the previous section, and
// returns where the section starts.
func (w *objWriter) xrefUpdate(size int, trailer string, prev int, objs ...int) int {
	start := len(w.buf)
	w.str("xref\n")
	for _, n := range objs {
		w.printf("%d 1\n%010d 00000 n \n", n, w.offsets[n])
	}
	w.printf("trailer\n<<%s/Size %d/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", trailer, size, prev, start)
	return start
}

// Compression levels: the fixed font is compressed once, as hard as zlib
// can; per-document streams favour speed.
const (
	bestCompression = zlib.BestCompression
	fastCompression = zlib.BestSpeed
)

// zpool reuses zlib writers: allocating one costs more than compressing a
// letter's content stream.
type zpool struct {
	pools map[int]*sync.Pool
}

func newZpool() *zpool {
	z := &zpool{pools: map[int]*sync.Pool{}}
	for _, lvl := range []int{bestCompression, fastCompression} {
		z.pools[lvl] = &sync.Pool{New: func() any {
			zw, _ := zlib.NewWriterLevel(nil, lvl)
			return zw
		}}
	}
	return z
}

func (z *zpool) compress(data []byte, level int) ([]byte, error) {
	p := z.pools[level]
	zw := p.Get().(*zlib.Writer)
	defer p.Put(zw)
	var out bytes.Buffer
	out.Grow(len(data)/2 + 64)
	zw.Reset(&out)
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	return out.Bytes(), nil
}

// textString encodes s as a PDF text string: UTF-16BE with a byte order
// mark, written in hex so no escaping is needed.
func textString(s string) string {
	b := make([]byte, 0, 6+4*len(s))
	b = append(b, "<FEFF"...)
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}

// appendNum writes v with at most 3 decimals, trimming zeros.
func appendNum(b []byte, v float64) []byte {
	if v == float64(int64(v)) {
		return strconv.AppendInt(b, int64(v), 10)
	}
	b = strconv.AppendFloat(b, v, 'f', 3, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}
