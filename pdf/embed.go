package pdf

import _ "embed"

// fontRegular is LXGW WenKai Regular (SIL Open Font License 1.1, see
// fonts/OFL.txt), embedded so the binary needs no font installed.
//
//go:embed fonts/LXGWWenKai-Regular.ttf
var fontRegular []byte
