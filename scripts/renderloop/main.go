// Command renderloop renders and signs N plaintext guarantee letters with W
// goroutines in a tight loop, as the gateway's letter workers do at bid
// opening but without HTTP, database or notices: the yardstick the
// bid-opening storm of `make bench` is compared with.
//
//	go run ./scripts/renderloop -n 2000 -workers 2
//
// It prints one JSON object: letters, workers, seconds, letters_per_second.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baohangateway/baohan/pdf"
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
				if _, err := r.Render(letter(i)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"letters": n, "workers": workers, "seconds": elapsed.Seconds(), "letters_per_second": float64(n) / elapsed.Seconds(),
	})
}
