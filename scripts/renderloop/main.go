// Command renderloop measures, for the same N plaintext guarantee letters
// and W goroutines in a tight loop, three floors of the bid-opening storm of
// `make bench`, each a pass of its own:
//
//   - seconds: the letters rendered and signed, as the letter workers do;
//   - floor_seconds: that plus all the CPU work per letter that no design
//     avoids: the letter's SM3 digest, its base64, and its restorenotice
//     built and signed (SM3 over the signing string with the letter in it);
//   - floor_check_seconds: that plus the platform's side of each notice on
//     the same CPUs: parsing the JSON body, checking its signature and
//     decoding the letter from base64, as the storm's platform (the
//     simulator, or the benchmark's in-process platform) does.
//
// No HTTP, database or disk: what a storm takes beyond floor_check_seconds is
// the price of the service around the letters.
//
//	go run ./scripts/renderloop -n 2000 -workers 2
//
// It prints one JSON object: letters, workers, seconds, letters_per_second,
// floor_seconds, floor_check_seconds.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/platform"
)

func main() {
	n := flag.Int("n", 2000, "letters to render")
	workers := flag.Int("workers", 2, "goroutines rendering at once")
	flag.Parse()
	if err := run(*n, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "renderloop:", err)
		os.Exit(1)
	}
}

var (
	bidders   = []string{"吉林省宏达建筑工程有限公司", "长春市金鼎路桥工程有限责任公司", "吉林市恒信水利水电工程股份有限公司", "四平市华城市政工程有限公司", "延吉市鑫源建设集团有限公司"}
	tenderers = []string{"长春市南关区住房和城乡建设局", "吉林市交通投资集团有限公司", "白山市浑江区水利局", "松原市宁江区教育局"}
)

func run(n, workers int) error {
	// The gateway's default: a development ECDSA P-256 certificate.
	const issuer = "示例银行股份有限公司"
	signer, _, err := pdf.GenerateDevSigner(issuer)
	if err != nil {
		return err
	}
	r, err := pdf.NewRenderer(pdf.Options{Signer: signer, FixedText: issuer})
	if err != nil {
		return err
	}
	issued := time.Now()
	letter := func(i int) pdf.Letter {
		return pdf.Letter{
			Kind: pdf.KindBank, GuaranteeNo: fmt.Sprintf("BH20261127%08d", i),
			SectionNo: fmt.Sprintf("JLGGZY202611270%03d-%03d", i%997, i%7+1), SectionName: fmt.Sprintf("长春市南关区人民大街道路改造工程施工%d标段", i%9+1),
			Tenderer: tenderers[i%len(tenderers)], TendererCode: "11220102MB1234567X",
			Bidder: bidders[i%len(bidders)], BidderCode: "91220102MA17XYZ12K",
			AmountFen: int64(10000+i%50*1000) * 100, PremiumFen: 100 * 100,
			ValidFrom: issued, ValidTo: issued.AddDate(0, 0, 180), IssueTime: issued, Issuer: issuer,
			VerifyURL: fmt.Sprintf("http://127.0.0.1:8080/verify?no=BH20261127%08d&code=AB12CD34", i), CheckCode: "AB12CD34",
		}
	}
	spec, ok := platform.Lookup("restorenotice", platform.Outbound)
	if !ok {
		return errors.New("no restorenotice in the platform table")
	}
	cred := platform.Credentials{AppKey: "finance_demo", AppSecret: "renderloop-secret-0123456789"}
	// notice does, for letter i, what the gateway does around it: digest,
	// base64, the restorenotice signed; and with check, the platform's side.
	notice := func(i int, pdfBytes []byte, check bool) error {
		digest := gmcrypto.SM3Hex(pdfBytes)
		no := fmt.Sprintf("BH20261127%08d", i)
		body, _, err := spec.Build(map[string]string{
			"applyno": fmt.Sprintf("TBaoHan%08d", i), "baohanno": no,
			"baohanurl":  "http://127.0.0.1:8080/files/" + digest[:43],
			"baohanfile": base64.StdEncoding.EncodeToString(pdfBytes),
		}, cred, time.Now())
		if err != nil {
			return fmt.Errorf("restorenotice %d: %w", i, err)
		}
		if !check {
			return nil
		}
		params, err := gmcrypto.ParamsFromJSON(body)
		if err != nil {
			return fmt.Errorf("restorenotice %d: platform: %w", i, err)
		}
		if !gmcrypto.Verify(params, cred.AppSecret, params["sign"]) {
			return fmt.Errorf("restorenotice %d: platform: signature does not verify", i)
		}
		// The letter the platform keeps: decoded and looked at, as the
		// simulator does (its second, conformance-only JSON parse is not
		// counted: a platform has no need of it).
		file, err := base64.StdEncoding.DecodeString(params["baohanfile"])
		if err != nil || !bytes.HasPrefix(file, []byte("%PDF-")) || !bytes.Contains(file[max(0, len(file)-1024):], []byte("%%EOF")) {
			return fmt.Errorf("restorenotice %d: platform: baohanfile is not the PDF sent (%v)", i, err)
		}
		return nil
	}
	// pass makes the n letters with the given work per letter and times it.
	pass := func(floor, check bool) (time.Duration, error) {
		var next atomic.Int64
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		start := time.Now()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1))
					if i > n {
						return
					}
					b, err := r.Render(letter(i))
					if err == nil && floor {
						err = notice(i, b, check)
					}
					if err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		close(errc)
		return elapsed, <-errc
	}
	render, err := pass(false, false)
	if err != nil {
		return err
	}
	floor, err := pass(true, false)
	if err != nil {
		return err
	}
	check, err := pass(true, true)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"letters": n, "workers": workers, "seconds": render.Seconds(), "letters_per_second": float64(n) / render.Seconds(),
		"floor_seconds": floor.Seconds(), "floor_check_seconds": check.Seconds(),
	})
}
