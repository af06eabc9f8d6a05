package pdf

import "testing"

// TestLetterText: every text field is reachable by its Field name, so that
// a FieldError's or a Note's field can be shown with its value.
func TestLetterText(t *testing.T) {
	var l Letter
	for i, f := range l.textFields() {
		*f.ptr = f.name + "=" + string(rune('A'+i))
	}
	for i, f := range l.textFields() {
		if got, want := l.Text(f.name), f.name+"="+string(rune('A'+i)); got != want {
			t.Errorf("Text(%s) = %q, want %q", f.name, got, want)
		}
	}
	if got := l.Text("AmountFen"); got != "" {
		t.Errorf("Text(AmountFen) = %q, want \"\"", got)
	}
}
