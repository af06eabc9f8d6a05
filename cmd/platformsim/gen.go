package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// creditCodeChars are the 31 characters of a unified social credit code
// (统一社会信用代码, GB 32100-2015) in value order: digits and upper-case
// letters without I, O, S, V and Z.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights weigh the first 17 characters for the check character.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditCheckChar returns the GB 32100 check character of the first 17
// characters of a code, or an error naming a character outside the alphabet.
func creditCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("want 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %d %q is not in the alphabet", i+1, first17[i])
		}
		sum += v * creditCodeWeights[i]
	}
	return creditCodeChars[(31-sum%31)%31], nil
}

// validCreditCode reports whether code is 18 characters with the right check
// character.
func validCreditCode(code string) bool {
	if len(code) != 18 {
		return false
	}
	c, err := creditCheckChar(code[:17])
	return err == nil && code[17] == c
}

// orgCodeCheck is the check character of an 8-digit organisation code
// (GB 11714-1997), which makes up characters 9 to 17 of a credit code.
func orgCodeCheck(digits string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(digits[i]-'0') * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// Administrative divisions of Jilin province, as credit codes carry them.
var divisions = []struct{ code, name string }{
	{"220102", "长春市南关区"}, {"220104", "长春市朝阳区"}, {"220105", "长春市二道区"}, {"220106", "长春市绿园区"},
	{"220112", "长春市双阳区"}, {"220182", "榆树市"}, {"220202", "吉林市昌邑区"}, {"220203", "吉林市龙潭区"},
	{"220204", "吉林市船营区"}, {"220282", "桦甸市"}, {"220302", "四平市铁西区"}, {"220382", "双辽市"},
	{"220402", "辽源市龙山区"}, {"220502", "通化市东昌区"}, {"220581", "梅河口市"}, {"220602", "白山市浑江区"},
	{"220702", "松原市宁江区"}, {"220802", "白城市洮北区"}, {"222401", "延吉市"}, {"222403", "敦化市"},
}

var (
	tradeNames = []string{"宏达", "金鼎", "恒信", "华城", "鑫源", "中诚", "远航", "建业", "天成", "盛世", "东昇", "长兴",
		"瑞丰", "启航", "北方", "森威", "广厦", "永安", "泰和", "华宇", "凯旋", "祥瑞", "明远", "鼎盛", "松江", "长白", "汇通", "安泰"}
	industries = []string{"建筑工程", "路桥工程", "水利水电工程", "市政工程", "建设集团", "装饰工程", "园林绿化工程",
		"电力工程", "安装工程", "土木工程", "环境工程", "交通设施工程"}
	companyForms = []string{"有限公司", "有限责任公司", "股份有限公司"}
	owners       = []string{"住房和城乡建设局", "交通运输局", "水利局", "教育局", "卫生健康委员会", "城市管理局", "自然资源局", "农业农村局"}
	ownerCompany = []string{"城市建设投资集团有限公司", "城市发展集团有限公司", "水务集团有限公司", "交通投资集团有限公司"}
	projectKinds = []string{"道路改造工程", "老旧小区改造工程", "排水管网改造工程", "中学教学楼建设工程", "人民医院门诊楼建设工程",
		"污水处理厂提标改造工程", "农村公路建设工程", "供热管网改造工程", "河道综合治理工程", "体育馆建设工程", "桥梁维修加固工程"}
	sectionKinds = []string{"施工一标段", "施工二标段", "施工三标段", "监理标段", "设计标段", "设备采购标段"}
	streets      = []string{"人民大街", "自由大路", "解放大路", "亚泰大街", "卫星路", "南湖大路", "长春大街", "吉林大路", "松江路", "珠江路"}
	surnames     = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "林", "何", "高", "梁"}
	givenNames   = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂兰", "志强", "建国", "海燕", "晓东", "春梅"}
	banks        = []string{"中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "吉林银行", "长春农村商业银行"}
	quitReasons  = []string{"投标人决定不再参与本项目投标", "投标文件需重新编制，撤回本次保函", "项目招标公告变更，申请退保"}
	claimReasons = []string{"中标后无正当理由拒签合同", "投标有效期内撤销投标文件", "中标后未按招标文件要求提交履约担保"}
)

// Generator makes realistic test data: companies with valid credit codes,
// projects, sections with their SM4 keys, and applyno values unique to one
// run. It is safe for concurrent use.
type Generator struct {
	mu   sync.Mutex
	rnd  *mrand.Rand
	run  string // yyyyMMddHHmmss of the run, in applyno
	seq  int
	seen map[string]bool
}

// NewGenerator returns a generator seeded with seed (0: from the clock).
func NewGenerator(seed uint64, now time.Time) *Generator {
	if seed == 0 {
		seed = uint64(now.UnixNano())
	}
	return &Generator{rnd: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), run: now.In(platform.Beijing).Format("20060102150405"), seen: map[string]bool{}}
}

func (g *Generator) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

func (g *Generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rnd.IntN(10))
	}
	return string(b)
}

// creditCode makes a valid code: registration authority and type (91: a
// company registered with market regulation; 11: a government body), the
// division, an organisation code with its own check, and the GB 32100 check.
func (g *Generator) creditCode(prefix, division string) string {
	org := g.digits(8)
	first := prefix + division + org + string(orgCodeCheck(org))
	c, err := creditCheckChar(first)
	if err != nil {
		panic(err) // the parts come from the alphabet
	}
	return first + string(c)
}

// Company is a bidder or tenderer.
type Company struct {
	Name string
	Code string // 统一社会信用代码
}

// Bidder makes a construction company with a name unique in this run.
func (g *Generator) Bidder() Company {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 0; ; i++ {
		d := divisions[g.rnd.IntN(len(divisions))]
		place := d.name
		if j := strings.Index(place, "市"); j > 0 && g.rnd.IntN(2) == 0 {
			place = place[:j+len("市")]
		}
		name := "吉林省" + g.pick(tradeNames) + g.pick(industries) + g.pick(companyForms)
		if g.rnd.IntN(3) > 0 {
			name = place + g.pick(tradeNames) + g.pick(industries) + g.pick(companyForms)
		}
		if i > 20 { // the lists are exhausted: number the name
			name = fmt.Sprintf("%s%s第%d%s", place, g.pick(tradeNames), i, g.pick(companyForms))
		}
		if !g.seen[name] {
			g.seen[name] = true
			return Company{Name: name, Code: g.creditCode("91", d.code)}
		}
	}
}

// Tenderer makes a tenderer (招标人): a government body or a state company.
func (g *Generator) Tenderer() Company {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := divisions[g.rnd.IntN(len(divisions))]
	if g.rnd.IntN(3) == 0 {
		city := d.name
		if j := strings.Index(city, "市"); j > 0 {
			city = city[:j+len("市")]
		}
		return Company{Name: city + g.pick(ownerCompany), Code: g.creditCode("91", d.code)}
	}
	return Company{Name: d.name + g.pick(owners), Code: g.creditCode("11", d.code)}
}

// Person is an agent (经办人) or contact.
func (g *Generator) Person() (name, phone string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	prefixes := []string{"130", "131", "135", "138", "139", "150", "151", "158", "186", "187", "188", "189", "176", "177"}
	return g.pick(surnames) + g.pick(givenNames), g.pick(prefixes) + g.digits(8)
}

// Account is a bank account number of a company's basic account.
func (g *Generator) Account() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return "2205" + g.digits(16)
}

// Address is a company address in Jilin.
func (g *Generator) Address() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := divisions[g.rnd.IntN(len(divisions))]
	return fmt.Sprintf("吉林省%s%s%d号", d.name, g.pick(streets), 1+g.rnd.IntN(3000))
}

// Pick returns one of list (reasons and the like).
func (g *Generator) Pick(list []string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pick(list)
}

// Section is one lot of a project: what the platform seals with one SM4 key.
type Section struct {
	Project  string
	No       string // 标段编号
	Name     string // 标段名称
	Tenderer Company
	Key      []byte // the SM4 key of the section
	KeyB64   string // as baohanrestore sends it
	Amount   string // 保证金金额 of the section, yuan
}

// Sections makes a project with n sections of one tenderer.
func (g *Generator) Sections(n int) []*Section {
	ten := g.Tenderer()
	g.mu.Lock()
	defer g.mu.Unlock()
	d := divisions[g.rnd.IntN(len(divisions))]
	project := fmt.Sprintf("%s%s%s", d.name, g.pick(streets), g.pick(projectKinds))
	projNo := fmt.Sprintf("JLGGZY%s%s", g.run[:8], g.digits(4))
	kinds := append([]string(nil), sectionKinds...)
	g.rnd.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	amounts := []int{5000, 10000, 20000, 30000, 50000, 80000, 100000, 200000, 500000, 800000}
	out := make([]*Section, n)
	for i := range out {
		key := make([]byte, gmcrypto.KeySize)
		if _, err := rand.Read(key); err != nil {
			panic(err)
		}
		amount := amounts[g.rnd.IntN(len(amounts))]
		if g.rnd.IntN(3) == 0 {
			amount = 1000 * (5 + g.rnd.IntN(400))
		}
		out[i] = &Section{
			Project: project, No: fmt.Sprintf("%s-%03d", projNo, i+1), Name: project + kinds[i%len(kinds)],
			Tenderer: ten, Key: key, KeyB64: base64.StdEncoding.EncodeToString(key),
			Amount: fmt.Sprintf("%d.00", amount),
		}
	}
	return out
}

// ApplyNo makes a business serial number in the platform's style:
// TBaoHan<code><yyyyMMddHHmmss><5 digits>, unique in this run.
func (g *Generator) ApplyNo() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	return fmt.Sprintf("TBaoHanSIM%s%05d", g.run, g.seq)
}

// Sealed returns the four sealed fields of baohanapply for a section,
// encrypted with its key (SM4 ECB, base64) as the platform sends them.
func (s *Section) Sealed() (map[string]string, error) {
	out := map[string]string{}
	for name, plain := range map[string]string{"biaoduanno": s.No, "biaoduanname": s.Name, "zbr": s.Tenderer.Name, "zbrorgnum": s.Tenderer.Code} {
		ct, err := gmcrypto.EncryptString(plain, s.Key, nil)
		if err != nil {
			return nil, err
		}
		out[name] = ct
	}
	return out, nil
}

// Application is one bidder's application on a section, as the simulator
// tracks it.
type Application struct {
	ApplyNo  string
	Section  *Section
	Bidder   Company
	JbrName  string
	JbrPhone string
	Amount   string
	Account  string            // the bidder's basic account
	Cipher   map[string]string // the sealed fields as sent
	BaohanNo string            // from baohannotice
	Cost     string            // premium, from baohannotice
	Replica  int               // which of -gateway's replicas its requests go to (load mode)
}

// NewApplication makes a bidder's application on sec.
func (g *Generator) NewApplication(sec *Section) (*Application, error) {
	ct, err := sec.Sealed()
	if err != nil {
		return nil, err
	}
	jbr, phone := g.Person()
	return &Application{ApplyNo: g.ApplyNo(), Section: sec, Bidder: g.Bidder(), JbrName: jbr, JbrPhone: phone,
		Amount: sec.Amount, Account: g.Account(), Cipher: ct}, nil
}

// ApplyFields are the business fields of its baohanapply.
func (a *Application) ApplyFields(platformCode string) map[string]string {
	f := map[string]string{
		"platformcode": platformCode, "applyno": a.ApplyNo,
		"biddername": a.Bidder.Name, "biddercode": a.Bidder.Code,
		"jbrname": a.JbrName, "jbrphone": a.JbrPhone, "bzjamount": a.Amount,
	}
	for k, v := range a.Cipher {
		f[k] = v
	}
	return f
}

func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
