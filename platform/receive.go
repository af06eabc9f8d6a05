package platform

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
)

// Account is one trading platform we are connected to.
type Account struct {
	Name      string // e.g. 吉林省公共资源交易一体化平台
	AppKey    string
	AppSecret string
	NotifyURL string // our notices go to NotifyURL + "/" + interface
	// AllowedSources, when not empty, are the only addresses the platform's
	// requests may come from.
	AllowedSources []netip.Prefix
}

// allows reports whether a request from addr may speak for the account. An
// invalid addr (unknown source) passes only when no list is set.
func (a *Account) allows(addr netip.Addr) bool {
	if len(a.AllowedSources) == 0 {
		return true
	}
	for _, p := range a.AllowedSources {
		if addr.IsValid() && p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// FindAccount returns the account with appkey among accounts, nil when
// there is none: the one appkey lookup of the receiver, the platform API's
// metrics, our notices and our calls.
func FindAccount(accounts []Account, appkey string) *Account {
	for i := range accounts {
		if accounts[i].AppKey == appkey {
			return &accounts[i]
		}
	}
	return nil
}

// Credentials returns the account's signing credentials.
func (a *Account) Credentials() Credentials {
	return Credentials{AppKey: a.AppKey, AppSecret: a.AppSecret}
}

// DefaultWindow is how far a message's timestamp may be from our clock.
const DefaultWindow = 30 * time.Minute

// Receiver checks messages as they arrive: parse, find the sender by appkey,
// verify the signature, check the timestamp, validate every field.
type Receiver struct {
	Accounts  []Account
	Direction Direction     // Inbound in the gateway; Outbound in the simulator
	Window    time.Duration // 0 means DefaultWindow; negative turns the check off
}

// Message is a received message that passed every check.
type Message struct {
	Spec    *Spec
	Account *Account
	Params  map[string]string
}

// ApplyNo returns the message's applyno (empty for invoicenotice).
func (m *Message) ApplyNo() string { return m.Params["applyno"] }

// Refusal is a message refused before it reaches the business rules. Message
// is the Chinese text for the answer; SigningString, when set, is the redacted
// signing string for the log.
type Refusal struct {
	Rule          string // "interface", "parse", "appkey", "sign", "timestamp", or a FieldError rule
	Field         string
	Message       string
	SigningString string
}

func (r *Refusal) Error() string { return r.Message }

// Receive checks body as the message called name. Every error it returns is a
// *Refusal. The params are returned even with a refusal when the body could be
// parsed, so the caller can log the applyno.
func (r *Receiver) Receive(name, contentType string, body []byte, now time.Time) (*Message, map[string]string, error) {
	return r.ReceiveFrom(name, contentType, body, now, netip.Addr{})
}

// ReceiveFrom is Receive for a request that came from source: a platform
// with AllowedSources is refused from any other address, before its
// signature is checked.
func (r *Receiver) ReceiveFrom(name, contentType string, body []byte, now time.Time, source netip.Addr) (*Message, map[string]string, error) {
	spec, ok := Lookup(name, r.Direction)
	if !ok {
		return nil, nil, &Refusal{Rule: "interface", Message: fmt.Sprintf("未知的接口 %q：本服务提供 %s", name, strings.Join(r.names(), "、"))}
	}
	params, err := ParseBody(contentType, body)
	if err != nil {
		return nil, nil, &Refusal{Rule: "parse", Message: "报文无法解析：" + err.Error()}
	}
	appkey := strings.TrimSpace(params["appkey"])
	if appkey == "" {
		return nil, params, &Refusal{Rule: "required", Field: "appkey", Message: "字段 appkey 缺失：该字段必填"}
	}
	acct := r.account(appkey)
	if acct == nil {
		return nil, params, &Refusal{Rule: "appkey", Field: "appkey", Message: fmt.Sprintf("字段 appkey 错误：未知的 appkey %q，请核对平台分配的 appkey", clip(appkey))}
	}
	if !acct.allows(source) {
		return nil, params, &Refusal{Rule: "source", Field: "appkey", Message: fmt.Sprintf("来源地址 %s 不在 appkey %q 的允许地址列表中", sourceText(source), clip(appkey))}
	}
	sign := strings.TrimSpace(params[gmcrypto.SignField])
	if sign == "" {
		return nil, params, &Refusal{Rule: "required", Field: "sign", Message: "字段 sign（报文摘要）缺失：该字段必填"}
	}
	if !gmcrypto.Verify(params, acct.AppSecret, sign) {
		return nil, params, &Refusal{Rule: "sign", Field: "sign",
			Message:       "字段 sign（报文摘要）校验失败：应为除 sign 外所有非空字段按 ASCII 升序以 name=value 用 & 连接、末尾追加 &appsecret=<appsecret> 后的 SM3 小写十六进制",
			SigningString: gmcrypto.RedactedSigningString(params)}
	}
	if r.Window >= 0 {
		w := r.Window
		if w == 0 {
			w = DefaultWindow
		}
		if err := CheckTimestamp(params["timestamp"], now, w); err != nil {
			fe := err.(*FieldError)
			return nil, params, &Refusal{Rule: fe.Rule, Field: fe.Field, Message: fe.Message}
		}
	}
	if err := spec.Validate(params); err != nil {
		fe := err.(*FieldError)
		return nil, params, &Refusal{Rule: fe.Rule, Field: fe.Field, Message: fe.Message}
	}
	return &Message{Spec: spec, Account: acct, Params: params}, params, nil
}

func (r *Receiver) account(appkey string) *Account { return FindAccount(r.Accounts, appkey) }

func (r *Receiver) names() []string {
	var names []string
	for _, s := range specs {
		if s.Direction == r.Direction {
			names = append(names, s.Name)
		}
	}
	return names
}

func sourceText(a netip.Addr) string {
	if !a.IsValid() {
		return "（未知）"
	}
	return a.Unmap().String()
}
