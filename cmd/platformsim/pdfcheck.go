package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode"

	"github.com/baohangateway/baohan/internal/text"
)

// PDFTools checks the letters we receive with poppler-utils when they are
// installed: pdftotext for the text, pdfsig for the signature.
type PDFTools struct {
	TextBin string // path of pdftotext, "" when not found
	SigBin  string // path of pdfsig, "" when not found or not wanted
}

// findPDFTools looks for pdftotext and (when sig) pdfsig on PATH.
func findPDFTools(sig bool) PDFTools {
	var t PDFTools
	if p, err := exec.LookPath("pdftotext"); err == nil {
		t.TextBin = p
	}
	if p, err := exec.LookPath("pdfsig"); err == nil && sig {
		t.SigBin = p
	}
	return t
}

// errNoTool says a check was skipped.
var errNoTool = errors.New("工具未安装")

func (t PDFTools) run(ctx context.Context, bin string, pdf []byte, args ...string) ([]byte, error) {
	if bin == "" {
		return nil, errNoTool
	}
	f, err := os.CreateTemp("", "platformsim-*.pdf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(pdf); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, bin, append(args, f.Name())...).CombinedOutput()
}

// Text returns the text of a PDF (pdftotext, to standard output).
func (t PDFTools) Text(ctx context.Context, pdf []byte) (string, error) {
	if t.TextBin == "" {
		return "", errNoTool
	}
	f, err := os.CreateTemp("", "platformsim-*.pdf")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(pdf); err != nil {
		f.Close()
		return "", err
	}
	f.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, t.TextBin, "-enc", "UTF-8", f.Name(), "-")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pdftotext 无法读取该 PDF：%v %s", err, text.Clip(stderr.String(), 200))
	}
	return stdout.String(), nil
}

// VerifySignature runs pdfsig: nil when the PDF carries a valid signature.
func (t PDFTools) VerifySignature(ctx context.Context, pdf []byte) error {
	out, err := t.run(ctx, t.SigBin, pdf)
	if errors.Is(err, errNoTool) {
		return err
	}
	s := string(out)
	switch {
	case strings.Contains(s, "does not contain any signatures"):
		return errors.New("PDF 没有数字签名（pdfsig：does not contain any signatures）")
	case !strings.Contains(s, "Signature is Valid"):
		return fmt.Errorf("PDF 签名无效（pdfsig）：%s", text.Clip(strings.TrimSpace(s), 400))
	}
	return nil
}

// squeeze removes all white space: a long value (base64 ciphertext, a long
// name) may be broken across lines of the letter.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// containsText reports whether the letter's text shows want, ignoring line
// breaks and spaces.
func containsText(text, want string) bool {
	return strings.Contains(squeeze(text), squeeze(want))
}
