package service

import (
	"fmt"
	"math/big"
	"strings"
)

// Underwriting holds the rules applied to every application. Zero limits are
// off.
type Underwriting struct {
	Rate           string // fee rate as a decimal fraction: "0.005" is 0.5 %
	MinPremium     Money  // the premium is never below this
	MaxAmount      Money  // the largest bzjamount one guarantee may cover
	ExposureLimit  Money  // the total of live guarantees (承保额度)
	BlockedBidders []string
	ValidityDays   int // how long a guarantee is valid from its issue
}

// DefaultUnderwriting is what runs when nothing is configured: 0.5 %, at
// least 100 yuan, no limits, valid 180 days.
func DefaultUnderwriting() Underwriting {
	return Underwriting{Rate: "0.005", MinPremium: 10000, ValidityDays: 180}
}

// Validate checks the rules themselves.
func (u Underwriting) Validate() error {
	r, ok := parseRate(u.Rate)
	if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) >= 0 {
		return Errorf(EINVALID, "费率 %q 错误：应为 0 到 1 之间的小数，如 0.005", u.Rate)
	}
	if u.MinPremium < 0 || u.MaxAmount < 0 || u.ExposureLimit < 0 {
		return Errorf(EINVALID, "最低保费和限额不能为负数")
	}
	if u.ValidityDays <= 0 {
		return Errorf(EINVALID, "保函有效期天数应大于 0")
	}
	return nil
}

func parseRate(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "eE/+-") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// Premium is the fee for guaranteeing amount: max(MinPremium, amount × Rate),
// rounded half up to the fen.
func (u Underwriting) Premium(amount Money) (Money, error) {
	r, ok := parseRate(u.Rate)
	if !ok {
		return 0, Errorf(EINVALID, "费率 %q 错误", u.Rate)
	}
	p := new(big.Rat).Mul(big.NewRat(int64(amount), 1), r)
	// Round half up: floor(p + 1/2) for p >= 0.
	p.Add(p, big.NewRat(1, 2))
	fen := new(big.Int).Quo(p.Num(), p.Denom())
	if !fen.IsInt64() {
		return 0, Errorf(EINVALID, "保费超出范围")
	}
	m := Money(fen.Int64())
	if m < u.MinPremium {
		m = u.MinPremium
	}
	return m, nil
}

// Flags checks an application against the rules: the maximum amount, the
// exposure limit (exposure is the total of live guarantees without this one),
// the blocked list, and the check digit of the credit code. Only the first
// three block approval; a bad check digit is shown to the officer, since
// platforms' test data carry invalid codes.
func (u Underwriting) Flags(a *Application, exposure Money) []Flag {
	var flags []Flag
	if u.MaxAmount > 0 && a.Amount > u.MaxAmount {
		flags = append(flags, Flag{Code: "amount_limit", Blocking: true,
			Message: fmt.Sprintf("保证金金额 %s 元超过单笔上限 %s 元", a.Amount.Yuan(), u.MaxAmount.Yuan())})
	}
	if u.ExposureLimit > 0 && exposure+a.Amount > u.ExposureLimit {
		flags = append(flags, Flag{Code: "exposure", Blocking: true,
			Message: fmt.Sprintf("承保后在保余额 %s 元将超过承保额度 %s 元", (exposure + a.Amount).Yuan(), u.ExposureLimit.Yuan())})
	}
	for _, b := range u.BlockedBidders {
		if strings.EqualFold(strings.TrimSpace(b), strings.TrimSpace(a.BidderCode)) {
			flags = append(flags, Flag{Code: "blocked", Blocking: true,
				Message: fmt.Sprintf("投标人 %s 在禁止承保名单中", a.BidderCode)})
			break
		}
	}
	if err := CheckCreditCode(a.BidderCode); err != nil {
		flags = append(flags, Flag{Code: "credit_code", Message: "投标人统一社会信用代码校验未通过：" + err.Error()})
	}
	return flags
}

// creditCodeChars are the 31 characters of GB 32100-2015, in value order.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the weights of the first 17 characters.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode checks a 统一社会信用代码 (GB 32100-2015): 18 characters
// from the code's alphabet whose last is the check character of the first 17.
func CheckCreditCode(code string) error {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 18 {
		return fmt.Errorf("应为 18 位，实际 %d 位", len([]rune(code)))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, code[i])
		if v < 0 {
			return fmt.Errorf("第 %d 位 %q 不是有效字符", i+1, code[i])
		}
		sum += v * creditCodeWeights[i]
	}
	want := creditCodeChars[(31-sum%31)%31]
	if code[17] != want {
		return fmt.Errorf("校验位应为 %c，实际为 %c", want, code[17])
	}
	return nil
}
