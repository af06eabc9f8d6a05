package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// The console's settings page: the underwriting rules and thresholds, and
// the signing panel.

// consoleSettings serves the settings page.
type consoleSettings struct {
	*consoleKit
	Setup ConsoleSetup
}

type settingsPage struct {
	pageBase
	Form      service.SettingsInput
	Editable  bool
	FormError string
	Signing   *signingPanel
}

func (h *consoleSettings) settings(c *gin.Context) {
	v := settingsPage{pageBase: h.base(c, "参数设置", "settings"), Form: service.SettingsForm(h.Setup.Settings()),
		Editable: officerOf(c).Role == service.RoleAdmin, Signing: signingView(h.Setup.SigningStatus())}
	render(c, h.Log, h.pages, http.StatusOK, "settings", &v)
}

func (h *consoleSettings) updateSettings(c *gin.Context) {
	in := service.SettingsInput{Rate: c.PostForm("rate"), MinPremium: c.PostForm("min_premium"), MaxAmount: c.PostForm("max_amount"),
		ExposureLimit: c.PostForm("exposure_limit"), ValidityDays: c.PostForm("validity_days"),
		CheckerThreshold: c.PostForm("checker_threshold"), BlockedBidders: c.PostForm("blocked_bidders")}
	if _, err := h.Setup.UpdateSettings(c.Request.Context(), officerOf(c).Actor(), in); err != nil {
		e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
		v := settingsPage{pageBase: h.base(c, "参数设置", "settings"), Form: in, Editable: true, FormError: e.Message,
			Signing: signingView(h.Setup.SigningStatus())}
		render(c, h.Log, h.pages, e.Status, "settings", &v)
		return
	}
	done(c, consolePrefix+"/settings", "settings")
}
