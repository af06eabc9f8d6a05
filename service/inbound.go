package service

// The requests the platform sends us (§4.1, 4.3, 4.5, 4.7, 4.9, 4.10, 4.11),
// as the platform API hands them over after the signature, timestamp and field
// table checks. The `wire` tags name the fields of the message; Platform is
// the appkey of the platform that sent it (checked against our configuration
// before the request gets here).

// Origin names what every request from the platform is about: the platform
// that sent it (Platform, its appkey), the platform's code and the
// application (applyno). Embedded in each request; its fields read and
// encode as the request's own.
type Origin struct {
	Platform     string `wire:"appkey" json:"-"`
	PlatformCode string `wire:"platformcode" json:"platformcode"`
	ApplyNo      string `wire:"applyno" json:"applyno"`
}

// ApplyRequest is §4.1 baohanapply. The four sealed fields arrive SM4
// encrypted and are stored as received.
type ApplyRequest struct {
	Origin
	BidderName   string `wire:"biddername" json:"biddername"`
	BidderCode   string `wire:"biddercode" json:"biddercode"`
	JbrName      string `wire:"jbrname" json:"jbrname,omitempty"`
	JbrPhone     string `wire:"jbrphone" json:"jbrphone,omitempty"`
	BiaoduanNo   string `wire:"biaoduanno" json:"biaoduanno"`
	BiaoduanName string `wire:"biaoduanname" json:"biaoduanname"`
	BzjAmount    string `wire:"bzjamount" json:"bzjamount"`
	Zbr          string `wire:"zbr" json:"zbr"`
	ZbrOrgNum    string `wire:"zbrorgnum" json:"zbrorgnum,omitempty"`
}

// ApplyResult is the answer to baohanapply.
type ApplyResult struct {
	RedirectURL string
}

// RestoreRequest is §4.3 baohanrestore: the SM4 key of the sealed fields,
// sent after (or shortly before) bid opening.
type RestoreRequest struct {
	Origin
	BaohanNo    string `wire:"baohanno" json:"baohanno"`
	KaibiaoTime string `wire:"kaibiaotime" json:"kaibiaotime"`
	Key         string `wire:"key" json:"key"`
	IV          string `wire:"iv" json:"iv,omitempty"`
}

// InvoiceRequest is §4.5 invoiceapply.
type InvoiceRequest struct {
	Origin
	BaohanNo       string `wire:"baohanno" json:"baohanno"`
	BidderName     string `wire:"biddername" json:"biddername"`
	BidderCode     string `wire:"biddercode" json:"biddercode"`
	Amount         string `wire:"amount" json:"amount"`
	Type           string `wire:"type" json:"type"` // 0 普票, 1 专票
	Address        string `wire:"address" json:"address,omitempty"`
	Phone          string `wire:"phone" json:"phone,omitempty"`
	Bank           string `wire:"bank" json:"bank,omitempty"`
	Account        string `wire:"account" json:"account,omitempty"`
	Email          string `wire:"email" json:"email,omitempty"`
	Mobile         string `wire:"mobile" json:"mobile,omitempty"`
	ContactName    string `wire:"contactname" json:"contactname,omitempty"`
	ContactAddress string `wire:"contactaddress" json:"contactaddress,omitempty"`
}

// QuitRequest is §4.7 quitapply: a withdrawal before bid opening.
type QuitRequest struct {
	Origin
	BaohanNo string `wire:"baohanno" json:"baohanno"`
	Reason   string `wire:"reason" json:"reason"`
}

// CancelRequest is §4.9 canclenotice: cancel a guarantee after bid opening.
type CancelRequest struct {
	Origin
	BaohanNo string `wire:"baohanno" json:"baohanno"`
}

// ClaimRequest is §4.10 claimsnotice: a demand for payment (见索即付).
type ClaimRequest struct {
	Origin
	BaohanNo       string `wire:"baohanno" json:"baohanno"`
	PayerAccount   string `wire:"payeraccount" json:"payeraccount,omitempty"`
	PayerAmount    string `wire:"payeramount" json:"payeramount,omitempty"`
	FileList       string `wire:"filelist" json:"filelist,omitempty"` // JSON array text
	ApplyUserName  string `wire:"applyusername" json:"applyusername"`
	ApplyUserPhone string `wire:"applyuserphone" json:"applyuserphone"`
	Reason         string `wire:"Reason" json:"Reason,omitempty"` // sic: capital R
}

// GiveUpRequest is §4.11 giveupapply from the platform: the bidder abandons
// an application that has not been issued.
type GiveUpRequest struct {
	Origin
}
