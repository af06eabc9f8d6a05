package pdf

import "strings"

// wording is the fixed text of one institution kind. The body follows the
// bid-bond model of the NDRC 2007 《标准施工招标文件》 (第八章 投标文件格式,
// 投标保函): addressed to the tenderer, unconditional and irrevocable, the two
// trigger events, payment within 7 days of a written demand, valid for the
// bid validity period. Insurers issue a 投标保证保险 policy in the terms of
// that model: 投保人 = bidder, 被保险人 = tenderer, 保险金额 = amount,
// 保险人 = issuer.
//
// Paragraph templates use {placeholders}, filled by fill.
type wording struct {
	kindName string // 银行投标保函 …
	title    string
	subtitle string
	docWord  string // 保函 / 保单
	noLabel  string // 保函编号 / 保单号

	tendererLabel string
	bidderLabel   string
	amountLabel   string
	periodLabel   string
	premiumLabel  string
	issuedLabel   string
	issuerLabel   string // signature block
	sealText      string // the seal's lower line

	salutation string
	paragraphs []string
	legal      string // last paragraph with a real certificate
	legalDev   string // last paragraph with a development certificate
}

// Texts shared by all kinds.
const (
	sealedHead   = "密文{doc}：开标前加密，开标后由交易平台解密还原"
	sealedNotice = "本{doc}的招标人、招标人统一社会信用代码、项目名称、标段名称及标段编号为交易平台加密的密文，开标后以交易平台解密还原的明文{doc}为准。"
	devMark      = "开发测试证书签名，不具法律效力"
	devWatermark = "开发测试 不具法律效力"
	scanCaption  = "扫码验真"
	verifyHint   = "扫描右上角二维码，或访问验真网址并输入{no}和校验码，可核验本{doc}的真实性及当前状态。本{doc}经数字证书电子签名，任何改动都将使签名失效。"
	verifyURLLbl = "验真网址："
	checkCodeLbl = "校验码："
	addressLbl   = "地址："
	signedLbl    = "签章时间："
	codeLabel    = "统一社会信用代码"
	projectLbl   = "项目名称"
	sectionLbl   = "标段名称"
	sectionNoLbl = "标段编号"
	deadlineLbl  = "索赔截止日"
	pageFooter   = "第{page}页 共{pages}页"
	continued    = "（续）"
	beijingNote  = "（北京时间）"
	validityText = "自{from}起至{to}止（投标有效期）"
	amountText   = "{words}（¥{figures}）"
	premiumText  = "¥{premium}（{premiumWords}）"
)

var wordings = map[Kind]*wording{
	KindBank: {
		kindName:      "银行投标保函",
		title:         "投标保函",
		subtitle:      "（银行电子投标保函）",
		docWord:       "保函",
		noLabel:       "保函编号",
		tendererLabel: "受益人（招标人）",
		bidderLabel:   "被保证人（投标人）",
		amountLabel:   "担保金额",
		periodLabel:   "保函有效期",
		premiumLabel:  "保费",
		issuedLabel:   "出函时间",
		issuerLabel:   "保证人（盖章）",
		sealText:      "保函专用章",
		salutation:    "致：{tenderer}",
		paragraphs: []string{
			"鉴于{bidder}（统一社会信用代码：{bidderCode}，以下称“投标人”）参加{project}（标段编号：{sectionNo}）的投标，{issuer}（以下称“我行”）受投标人委托，在此无条件地、不可撤销地向你方保证：",
			"一、投标人在规定的投标有效期内撤销或修改其投标文件的，或者投标人在收到中标通知书后无正当理由拒签合同或拒交规定履约担保的，我行承担保证责任。",
			"二、我行在收到你方书面通知后，在7日内无条件向你方支付{words}（¥{figures}）。",
			"三、本保函在投标有效期内保持有效，即{from}起至{to}止。要求我行承担保证责任的书面通知应在投标有效期内送达我行，最迟不晚于{deadline}；逾期送达的，我行不再承担保证责任。",
		},
		legal:    "四、我行在本保函项下承担的保证责任以上述担保金额为限。本保函为电子保函，经我行数字证书电子签名，与纸质保函具有同等法律效力。",
		legalDev: "四、我行在本保函项下承担的保证责任以上述担保金额为限。本保函以开发测试证书签名，仅供测试，不具法律效力。",
	},
	KindGuarantor: {
		kindName:      "担保机构投标保函",
		title:         "投标保函",
		subtitle:      "（担保机构电子投标保函）",
		docWord:       "保函",
		noLabel:       "保函编号",
		tendererLabel: "受益人（招标人）",
		bidderLabel:   "被担保人（投标人）",
		amountLabel:   "担保金额",
		periodLabel:   "保函有效期",
		premiumLabel:  "担保费",
		issuedLabel:   "出函时间",
		issuerLabel:   "担保人（盖章）",
		sealText:      "保函专用章",
		salutation:    "致：{tenderer}",
		paragraphs: []string{
			"鉴于{bidder}（统一社会信用代码：{bidderCode}，以下称“投标人”）参加{project}（标段编号：{sectionNo}）的投标，{issuer}（以下称“我方”）受投标人委托，在此无条件地、不可撤销地向你方保证：",
			"一、投标人在规定的投标有效期内撤销或修改其投标文件的，或者投标人在收到中标通知书后无正当理由拒签合同或拒交规定履约担保的，我方承担保证责任。",
			"二、我方在收到你方书面通知后，在7日内无条件向你方支付{words}（¥{figures}）。",
			"三、本保函在投标有效期内保持有效，即{from}起至{to}止。要求我方承担保证责任的书面通知应在投标有效期内送达我方，最迟不晚于{deadline}；逾期送达的，我方不再承担保证责任。",
		},
		legal:    "四、我方在本保函项下承担的保证责任以上述担保金额为限。本保函为电子保函，经我方数字证书电子签名，与纸质保函具有同等法律效力。",
		legalDev: "四、我方在本保函项下承担的保证责任以上述担保金额为限。本保函以开发测试证书签名，仅供测试，不具法律效力。",
	},
	KindInsurer: {
		kindName:      "投标保证保险保单",
		title:         "投标保证保险保单",
		subtitle:      "（电子保单）",
		docWord:       "保单",
		noLabel:       "保单号",
		tendererLabel: "被保险人（招标人）",
		bidderLabel:   "投保人（投标人）",
		amountLabel:   "保险金额",
		periodLabel:   "保险期间",
		premiumLabel:  "保险费",
		issuedLabel:   "签单时间",
		issuerLabel:   "保险人（盖章）",
		sealText:      "保单专用章",
		salutation:    "致被保险人：{tenderer}",
		paragraphs: []string{
			"鉴于投保人{bidder}（统一社会信用代码：{bidderCode}）参加{project}（标段编号：{sectionNo}）的投标，并已向{issuer}（以下称“本公司”）投保投标保证保险、缴纳保险费，本公司依照本保单约定，无条件地、不可撤销地向被保险人承担如下保险责任：",
			"一、投保人在规定的投标有效期内撤销或修改其投标文件的，或者投保人在收到中标通知书后无正当理由拒签合同或拒交规定履约担保的，本公司承担保险责任。",
			"二、本公司在收到被保险人书面索赔通知后，在7日内无条件向被保险人支付保险金{words}（¥{figures}）。",
			"三、保险期间为投标有效期，即{from}起至{to}止。被保险人的书面索赔通知应在保险期间内送达本公司，最迟不晚于{deadline}；逾期送达的，本公司不再承担保险责任。",
		},
		legal:    "四、本公司在本保单项下承担的保险责任以保险金额为限。本保单为电子保单，经本公司数字证书电子签名，与纸质保单具有同等法律效力。",
		legalDev: "四、本公司在本保单项下承担的保险责任以保险金额为限。本保单以开发测试证书签名，仅供测试，不具法律效力。",
	},
}

func wordingFor(k Kind) *wording { return wordings[k] }

// fixedText is every character the renderer can print regardless of the
// letter: the wording of all kinds, ASCII, digits in capitals and the
// characters of dates. Its glyphs form the cached font subset.
func fixedText() string {
	var b strings.Builder
	for c := rune(0x20); c < 0x7f; c++ {
		b.WriteRune(c)
	}
	b.WriteString("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整人民币¥年月日时分秒（）：，。、；“”　")
	for _, s := range []string{sealedHead, sealedNotice, devMark, devWatermark, scanCaption, verifyHint,
		verifyURLLbl, checkCodeLbl, addressLbl, codeLabel, projectLbl, sectionLbl, sectionNoLbl,
		pageFooter, continued, beijingNote, validityText, amountText, premiumText} {
		b.WriteString(s)
	}
	for _, w := range wordings {
		for _, s := range []string{w.kindName, w.title, w.subtitle, w.docWord, w.noLabel,
			w.tendererLabel, w.bidderLabel, w.amountLabel, w.periodLabel, w.premiumLabel,
			w.issuedLabel, w.issuerLabel, w.sealText, w.salutation, w.legal, w.legalDev} {
			b.WriteString(s)
		}
		for _, s := range w.paragraphs {
			b.WriteString(s)
		}
	}
	return b.String()
}
