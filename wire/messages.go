package wire

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

// Field names of §4, each once: every message table below and every
// reference elsewhere uses these.
const (
	FieldAppKey         = "appkey"
	FieldTimestamp      = "timestamp"
	FieldPlatformCode   = "platformcode"
	FieldApplyNo        = "applyno"
	FieldBaohanNo       = "baohanno"
	FieldSign           = "sign"
	FieldBidderName     = "biddername"
	FieldBidderCode     = "biddercode"
	FieldJbrName        = "jbrname"
	FieldJbrPhone       = "jbrphone"
	FieldBiaoduanNo     = "biaoduanno"
	FieldBiaoduanName   = "biaoduanname"
	FieldBzjAmount      = "bzjamount"
	FieldZbr            = "zbr"
	FieldZbrOrgNum      = "zbrorgnum"
	FieldBaohanURL      = "baohanurl"
	FieldBaohanFile     = "baohanfile"
	FieldPayerName      = "payername"
	FieldPayerAccount   = "payeraccount"
	FieldInstName       = "instname"
	FieldGenerateTime   = "generatetime"
	FieldRate           = "rate"
	FieldCost           = "cost"
	FieldApplyStatus    = "applystatus"
	FieldKaibiaoTime    = "kaibiaotime"
	FieldKey            = "key"
	FieldIV             = "iv"
	FieldInvoiceURL     = "invoiceurl"
	FieldInvoiceCode    = "invoicecode"
	FieldInvoiceNo      = "invoiceno"
	FieldReason         = "reason"
	FieldTuibaoTime     = "tuibaotime"
	FieldPayerAmount    = "payeramount"
	FieldFileList       = "filelist"
	FieldApplyUserName  = "applyusername"
	FieldApplyUserPhone = "applyuserphone"
	FieldClaimReason    = "Reason" // sic: capital R, claimsnotice (4.10)
	FieldAmount         = "amount"
	FieldType           = "type"
	FieldAddress        = "address"
	FieldPhone          = "phone"
	FieldBank           = "bank"
	FieldAccount        = "account"
	FieldEmail          = "email"
	FieldMobile         = "mobile"
	FieldContactName    = "contactname"
	FieldContactAddress = "contactaddress"
)

// Common fields.
var (
	fAppKey       = Field{Name: FieldAppKey, Label: "appkey", Required: true, MaxLen: 50, NoAmpersand: true}
	fTimestamp    = Field{Name: FieldTimestamp, Label: "请求时间", Required: true, MaxLen: 30, Format: DateTime}
	fPlatformCode = Field{Name: FieldPlatformCode, Label: "平台编码", Required: true, MaxLen: 50, NoAmpersand: true}
	fApplyNo      = Field{Name: FieldApplyNo, Label: "业务流水号", Required: true, MaxLen: 50, NoAmpersand: true}
	fBaohanNo     = Field{Name: FieldBaohanNo, Label: "保函编号", Required: true, MaxLen: 50, NoAmpersand: true}
	fSign         = Field{Name: FieldSign, Label: "报文摘要", Required: true, MaxLen: 200, NoAmpersand: true}
)

var status01 = []string{"0", "1"}

// approved is the condition under which a notice carries its documents: the
// spec marks them required, but a refusal (applystatus 0) has none to send.
var approved = &Condition{Field: FieldApplyStatus, Value: "1"}

var specs = []Spec{
	{Name: BaohanApply, Section: "4.1", Title: "投保申请", Short: "投保申请", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo,
		{Name: FieldBidderName, Label: "投标企业名称", Required: true, MaxLen: 200},
		{Name: FieldBidderCode, Label: "统一社会信用代码", Required: true, MaxLen: 50, NoAmpersand: true},
		{Name: FieldJbrName, Label: "经办人名称", MaxLen: 50},
		{Name: FieldJbrPhone, Label: "经办人联系方式", MaxLen: 50},
		{Name: FieldBiaoduanNo, Label: "标段编号（密文）", Required: true, MaxLen: 500, NoAmpersand: true},
		{Name: FieldBiaoduanName, Label: "标段名称（密文）", Required: true, MaxLen: 1000, NoAmpersand: true},
		{Name: FieldBzjAmount, Label: "保证金金额", Required: true, MaxLen: 50, Format: Amount},
		{Name: FieldZbr, Label: "招标人（密文）", Required: true, MaxLen: 500, NoAmpersand: true},
		{Name: FieldZbrOrgNum, Label: "招标人统一社会信用代码（密文）", MaxLen: 200, NoAmpersand: true},
		fSign,
	}},
	{Name: BaohanNotice, Section: "4.2", Title: "投保申请结果通知", Short: "出函通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo,
		{Name: FieldBaohanNo, Label: "保函编号", RequiredIf: approved, MaxLen: 50, NoAmpersand: true},
		{Name: FieldBaohanURL, Label: "保函文件下载地址", RequiredIf: approved, MaxLen: 1000},
		{Name: FieldBaohanFile, Label: "保函文件的 base64 码", RequiredIf: approved, NoAmpersand: true},
		{Name: FieldPayerName, Label: "支付保费银行账户户名", RequiredIf: approved, MaxLen: 200},
		{Name: FieldPayerAccount, Label: "支付保费银行账户号码", RequiredIf: approved, MaxLen: 50, NoAmpersand: true},
		{Name: FieldInstName, Label: "出函机构", MaxLen: 200},
		{Name: FieldGenerateTime, Label: "出函时间", RequiredIf: approved, MaxLen: 30, Format: DateTime},
		{Name: FieldRate, Label: "费率", RequiredIf: approved, MaxLen: 50, Format: Decimal},
		{Name: FieldCost, Label: "费用", RequiredIf: approved, MaxLen: 50, Format: Amount},
		{Name: FieldApplyStatus, Label: "是否审核通过", Required: true, MaxLen: 10, Format: Enum, Enum: status01},
		fSign,
	}},
	{Name: BaohanRestore, Section: "4.3", Title: "还原保函", Short: "保函还原", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: FieldKaibiaoTime, Label: "开标时间", Required: true, MaxLen: 30, Format: DateTime},
		{Name: FieldKey, Label: "加密的 key", Required: true, MaxLen: 200, NoAmpersand: true},
		// iv is not in v2.0.3; some deployments add it (WIRE.md). Empty means ECB.
		{Name: FieldIV, Label: "加密向量", MaxLen: 200, NoAmpersand: true},
		fSign,
	}},
	{Name: RestoreNotice, Section: "4.4", Title: "还原保函通知", Short: "明文保函通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo, fBaohanNo,
		{Name: FieldBaohanURL, Label: "保函文件下载地址", MaxLen: 1000},
		{Name: FieldBaohanFile, Label: "保函文件的 base64 码", Required: true, NoAmpersand: true},
		fSign,
	}},
	{Name: InvoiceApply, Section: "4.5", Title: "发票申请", Short: "开票申请", Direction: Inbound, Fields: invoiceApplyFields()},
	{Name: InvoiceNotice, Section: "4.6", Title: "发票开具通知", Short: "发票通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fBaohanNo,
		{Name: FieldInvoiceURL, Label: "发票下载地址", MaxLen: 1000},
		{Name: FieldInvoiceCode, Label: "发票代码", MaxLen: 50, NoAmpersand: true},
		{Name: FieldInvoiceNo, Label: "发票号码", MaxLen: 50, NoAmpersand: true},
		{Name: FieldApplyStatus, Label: "是否申请成功", Required: true, MaxLen: 10, Format: Enum, Enum: status01},
		fSign,
	}},
	{Name: QuitApply, Section: "4.7", Title: "退保申请", Short: "退保申请", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: FieldReason, Label: "退保原因", Required: true, MaxLen: 500},
		fSign,
	}},
	{Name: QuitNotice, Section: "4.8", Title: "退保通知", Short: "退保结果通知", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo, fBaohanNo,
		{Name: FieldApplyStatus, Label: "退保结果", Required: true, MaxLen: 10, Format: Enum, Enum: status01},
		// "退保成功时必须返回": required when the withdrawal succeeded.
		{Name: FieldTuibaoTime, Label: "退保时间", RequiredIf: approved, MaxLen: 50, Format: DateTime},
		fSign,
	}},
	{Name: CancelNotice, Section: "4.9", Title: "注销保函通知", Short: "注销通知", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo, fSign,
	}},
	{Name: ClaimsNotice, Section: "4.10", Title: "理赔通知", Short: "理赔通知", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: FieldPayerAccount, Label: "收款账号", MaxLen: 50, NoAmpersand: true},
		{Name: FieldPayerAmount, Label: "赔付金额", MaxLen: 50, Format: Amount},
		{Name: FieldFileList, Label: "理赔文件列表", Format: JSONArray},
		{Name: FieldApplyUserName, Label: "理赔联系人", Required: true, MaxLen: 200},
		{Name: FieldApplyUserPhone, Label: "理赔联系人电话", Required: true, MaxLen: 50},
		{Name: FieldClaimReason, Label: "理赔原因", MaxLen: 500}, // sic: capital R
		fSign,
	}},
	{Name: GiveUp, Section: "4.11", Title: "数据服务平台放弃申请", Short: "放弃申请", Direction: Inbound, Fields: []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fSign,
	}},
	{Name: GiveUp, Section: "4.12", Title: "金融机构放弃申请", Short: "放弃申请", Direction: Outbound, Fields: []Field{
		fAppKey, fTimestamp, fApplyNo, fSign,
	}},
}

func invoiceApplyFields() []Field {
	special := &Condition{Field: FieldType, Value: "1"} // 专票
	return []Field{
		fAppKey, fTimestamp, fPlatformCode, fApplyNo, fBaohanNo,
		{Name: FieldBidderName, Label: "投标企业名称", Required: true, MaxLen: 200},
		{Name: FieldBidderCode, Label: "统一社会信用代码", Required: true, MaxLen: 50, NoAmpersand: true},
		{Name: FieldAmount, Label: "开票金额", Required: true, MaxLen: 50, Format: Amount},
		{Name: FieldType, Label: "发票类型", Required: true, MaxLen: 10, Format: Enum, Enum: []string{"0", "1"}},
		{Name: FieldAddress, Label: "公司地址", RequiredIf: special, MaxLen: 500},
		{Name: FieldPhone, Label: "公司电话", RequiredIf: special, MaxLen: 50},
		{Name: FieldBank, Label: "开户行", RequiredIf: special, MaxLen: 200},
		{Name: FieldAccount, Label: "帐号", RequiredIf: special, MaxLen: 50, NoAmpersand: true},
		{Name: FieldEmail, Label: "接收电子发票的 email", MaxLen: 100},
		{Name: FieldMobile, Label: "收件人联系电话", RequiredIf: special, MaxLen: 50},
		{Name: FieldContactName, Label: "收件人姓名", RequiredIf: special, MaxLen: 50},
		{Name: FieldContactAddress, Label: "收件地址", RequiredIf: special, MaxLen: 500},
		fSign,
	}
}

// AnswerRedirectURL is the field of baohanapply's answer data (§4.1 返回值):
// where the platform sends the bidder to pay.
const AnswerRedirectURL = "redirecturl"
