// Package platform is the wire protocol of the trading platform's
// electronic-guarantee interface (吉林省公共资源交易一体化平台电子保函平台对接规范
// v2.0.3, §4): one declarative table of the twelve messages and their fields,
// which drives inbound validation, outbound message building and the platform
// simulator alike; parsing that keeps every value's signed text; the SM3
// signature; and the signed HTTP client that posts our notices.
//
// It imports gmcrypto only.
package platform

// Direction says who sends a message.
type Direction int

// The two directions of §4.
const (
	// Inbound messages are sent by the platform to us (we are the server).
	Inbound Direction = iota + 1
	// Outbound messages are sent by us to the platform (our notices).
	Outbound
)

func (d Direction) String() string {
	switch d {
	case Inbound:
		return "inbound"
	case Outbound:
		return "outbound"
	}
	return "unknown"
}

// Format is the shape a field's value must have.
type Format int

// Field formats.
const (
	Text      Format = iota // any text within the length
	Amount                  // yuan: digits with at most two decimals, e.g. 20000.00
	Decimal                 // a non-negative decimal number, e.g. the rate 0.005
	DateTime                // yyyy-MM-dd HH:mm:ss, Beijing time
	Enum                    // one of Field.Enum
	JSONArray               // a JSON array (the filelist of claimsnotice)
)

// Field is one row of a message's parameter table.
type Field struct {
	Name     string
	Label    string // the spec's Chinese description, for messages
	Required bool
	// RequiredIf makes an optional field required when another field of the
	// message has the given value (e.g. invoiceapply's address when type = 1).
	RequiredIf *Condition
	MaxLen     int // in characters (runes); 0 means unbounded
	Format     Format
	Enum       []string
	// NoAmpersand marks a code, account, key or base64 text: it can hold no
	// '&', and one there could only re-split the signing string (WIRE.md
	// "Signature"). Amounts, decimals, times and enums exclude it by their
	// format.
	NoAmpersand bool
}

// Condition names a field and the value that triggers a rule.
type Condition struct {
	Field, Value string
}

// Spec describes one message of §4.
type Spec struct {
	Name      string // the interface name, e.g. "baohanapply"
	Section   string // e.g. "4.1"
	Title     string // the spec's Chinese title
	Direction Direction
	Fields    []Field // in the spec's order; appkey, timestamp and sign included
}

// Field returns the field called name.
func (s *Spec) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Interface names of §4. GiveUp is the name of both 4.11 (inbound) and 4.12
// (outbound).
const (
	BaohanApply   = "baohanapply"
	BaohanNotice  = "baohannotice"
	BaohanRestore = "baohanrestore"
	RestoreNotice = "restorenotice"
	InvoiceApply  = "invoiceapply"
	InvoiceNotice = "invoicenotice"
	QuitApply     = "quitapply"
	QuitNotice    = "quitnotice"
	CancelNotice  = "canclenotice" // sic: the spec's spelling
	ClaimsNotice  = "claimsnotice"
	GiveUp        = "giveupapply"
)

// Common fields.
var (
	fAppKey       = Field{Name: "appkey", Label: "appkey", Required: true, MaxLen: 50, NoAmpersand: true}
	fTimestamp    = Field{Name: "timestamp", Label: "请求时间", Required: true, MaxLen: 30, Format: DateTime}
	fPlatformCode = Field{Name: "platformcode", Label: "平台编码", Required: true, MaxLen: 50, NoAmpersand: true}
	fApplyNo      = Field{Name: "applyno", Label: "业务流水号", Required: true, MaxLen: 50, NoAmpersand: true}
	fBaohanNo     = Field{Name: "baohanno", Label: "保函编号", Required: true, MaxLen: 50, NoAmpersand: true}
	fSign         = Field{Name: "sign", Label: "报文摘要", Required: true, MaxLen: 200, NoAmpersand: true}
)

var status01 = []string{"0", "1"}

// approved is the condition under which a notice carries its documents: the
// spec marks them required, but a refusal (applystatus 0) has none to send.
var approved = &Condition{Field: "applystatus", Value: "1"}

var specs = []Spec{
	{Name: BaohanApply, Section: "4.1", Title: "投保申请", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo,
		{Name: "biddername", Label: "投标企业名称", Required: true, MaxLen: 200},
		{Name: "biddercode", Label: "统一社会信用代码", Required: true, MaxLen: 50, NoAmpersand: true},
		{Name: "jbrname", Label: "经办人名称", MaxLen: 50},
		{Name: "jbrphone", Label: "经办人联系方式", MaxLen: 50},
		{Name: "biaoduanno", Label: "标段编号（密文）", Required: true, MaxLen: 500, NoAmpersand: true},
		{Name: "biaoduanname", Label: "标段名称（密文）", Required: true, MaxLen: 1000, NoAmpersand: true},
		{Name: "bzjamount", Label: "保证金金额", Required: true, MaxLen: 50, Format: Amount},
		{Name: "zbr", Label: "招标人（密文）", Required: true, MaxLen: 500, NoAmpersand: true},
		{Name: "zbrorgnum", Label: "招标人统一社会信用代码（密文）", MaxLen: 200, NoAmpersand: true},
		fSign,
	}},
	{Name: BaohanNotice, Section: "4.2", Title: "投保申请结果通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo,
		{Name: "baohanno", Label: "保函编号", RequiredIf: approved, MaxLen: 50, NoAmpersand: true},
		{Name: "baohanurl", Label: "保函文件下载地址", RequiredIf: approved, MaxLen: 1000},
		{Name: "baohanfile", Label: "保函文件的 base64 码", RequiredIf: approved, NoAmpersand: true},
		{Name: "payername", Label: "支付保费银行账户户名", RequiredIf: approved, MaxLen: 200},
		{Name: "payeraccount", Label: "支付保费银行账户号码", RequiredIf: approved, MaxLen: 50, NoAmpersand: true},
		{Name: "instname", Label: "出函机构", MaxLen: 200},
		{Name: "generatetime", Label: "出函时间", RequiredIf: approved, MaxLen: 30, Format: DateTime},
		{Name: "rate", Label: "费率", RequiredIf: approved, MaxLen: 50, Format: Decimal},
		{Name: "cost", Label: "费用", RequiredIf: approved, MaxLen: 50, Format: Amount},
		{Name: "applystatus", Label: "是否审核通过", Required: true, MaxLen: 10, Format: Enum, Enum: status01},
		fSign,
	}},
	{Name: BaohanRestore, Section: "4.3", Title: "还原保函", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: "kaibiaotime", Label: "开标时间", Required: true, MaxLen: 30, Format: DateTime},
		{Name: "key", Label: "加密的 key", Required: true, MaxLen: 200, NoAmpersand: true},
		// iv is not in v2.0.3; some deployments add it (WIRE.md). Empty means ECB.
		{Name: "iv", Label: "加密向量", MaxLen: 200, NoAmpersand: true},
		fSign,
	}},
	{Name: RestoreNotice, Section: "4.4", Title: "还原保函通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo, fBaohanNo,
		{Name: "baohanurl", Label: "保函文件下载地址", MaxLen: 1000},
		{Name: "baohanfile", Label: "保函文件的 base64 码", Required: true, NoAmpersand: true},
		fSign,
	}},
	{Name: InvoiceApply, Section: "4.5", Title: "发票申请", Direction: Inbound, Fields: invoiceApplyFields()},
	{Name: InvoiceNotice, Section: "4.6", Title: "发票开具通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fBaohanNo,
		{Name: "invoiceurl", Label: "发票下载地址", MaxLen: 1000},
		{Name: "invoicecode", Label: "发票代码", MaxLen: 50, NoAmpersand: true},
		{Name: "invoiceno", Label: "发票号码", MaxLen: 50, NoAmpersand: true},
		{Name: "applystatus", Label: "是否申请成功", Required: true, MaxLen: 10, Format: Enum, Enum: status01},
		fSign,
	}},
	{Name: QuitApply, Section: "4.7", Title: "退保申请", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: "reason", Label: "退保原因", Required: true, MaxLen: 500},
		fSign,
	}},
	{Name: QuitNotice, Section: "4.8", Title: "退保通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo, fBaohanNo,
		{Name: "applystatus", Label: "退保结果", Required: true, MaxLen: 10, Format: Enum, Enum: status01},
		// "退保成功时必须返回": required when the withdrawal succeeded.
		{Name: "tuibaotime", Label: "退保时间", RequiredIf: approved, MaxLen: 50, Format: DateTime},
		fSign,
	}},
	{Name: CancelNotice, Section: "4.9", Title: "注销保函通知", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo, fSign,
	}},
	{Name: ClaimsNotice, Section: "4.10", Title: "理赔通知", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: "payeraccount", Label: "收款账号", MaxLen: 50, NoAmpersand: true},
		{Name: "payeramount", Label: "赔付金额", MaxLen: 50, Format: Amount},
		{Name: "filelist", Label: "理赔文件列表", Format: JSONArray},
		{Name: "applyusername", Label: "理赔联系人", Required: true, MaxLen: 200},
		{Name: "applyuserphone", Label: "理赔联系人电话", Required: true, MaxLen: 50},
		{Name: "Reason", Label: "理赔原因", MaxLen: 500}, // sic: capital R
		fSign,
	}},
	{Name: GiveUp, Section: "4.11", Title: "数据服务平台放弃申请", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fSign,
	}},
	{Name: GiveUp, Section: "4.12", Title: "金融机构放弃申请", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo, fSign,
	}},
}

func invoiceApplyFields() []Field {
	special := &Condition{Field: "type", Value: "1"} // 专票
	return []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: "biddername", Label: "投标企业名称", Required: true, MaxLen: 200},
		{Name: "biddercode", Label: "统一社会信用代码", Required: true, MaxLen: 50, NoAmpersand: true},
		{Name: "amount", Label: "开票金额", Required: true, MaxLen: 50, Format: Amount},
		{Name: "type", Label: "发票类型", Required: true, MaxLen: 10, Format: Enum, Enum: []string{"0", "1"}},
		{Name: "address", Label: "公司地址", RequiredIf: special, MaxLen: 500},
		{Name: "phone", Label: "公司电话", RequiredIf: special, MaxLen: 50},
		{Name: "bank", Label: "开户行", RequiredIf: special, MaxLen: 200},
		{Name: "account", Label: "帐号", RequiredIf: special, MaxLen: 50, NoAmpersand: true},
		{Name: "email", Label: "接收电子发票的 email", MaxLen: 100},
		{Name: "mobile", Label: "收件人联系电话", RequiredIf: special, MaxLen: 50},
		{Name: "contactname", Label: "收件人姓名", RequiredIf: special, MaxLen: 50},
		{Name: "contactaddress", Label: "收件地址", RequiredIf: special, MaxLen: 500},
		fSign,
	}
}

// Specs returns the table of all twelve messages, in the spec's order. The
// caller must not modify it.
func Specs() []Spec { return specs }

// Lookup returns the spec of the message called name travelling in direction d.
func Lookup(name string, d Direction) (*Spec, bool) {
	for i := range specs {
		if specs[i].Name == name && specs[i].Direction == d {
			return &specs[i], true
		}
	}
	return nil, false
}

// InboundNames lists the interfaces the platform calls on us, in the spec's
// order.
func InboundNames() []string {
	var names []string
	for _, s := range specs {
		if s.Direction == Inbound {
			names = append(names, s.Name)
		}
	}
	return names
}
