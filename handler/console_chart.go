package handler

import (
	"fmt"
	"math"
	"strings"

	"github.com/baohangateway/baohan/service"
)

// The dashboard's chart: applications per day as bars and premium per day
// as a line, over DashboardDays days, drawn as inline SVG on the server (no
// chart script, nothing from outside). The template draws the shapes whose
// coordinates are computed here.

type chartView struct {
	Width, Height             int
	Left, Top, Right, Bottom  int // the plot area
	Bars                      []chartBar
	Line                      string // polyline points of the premium
	Dots                      []chartDot
	YTicks, Y2Ticks, XTicks   []chartTick
	TotalApps                 int
	TotalPremium, MaxDayLabel string
	LegendBarX, LegendLineX   int
	LegendY                   int
	AxisLabelY, AxisLabel2X   int
	PlotWidth, PlotHeight     int
	BarLabelY                 int
}

type chartBar struct {
	X, Y, W, H int
	Title      string
	Today      bool
}

type chartDot struct {
	X, Y  int
	Title string
}

type chartTick struct {
	X, Y  int
	Label string
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// shortYuan writes a premium axis label: ¥800, ¥1.2万.
func shortYuan(fen float64) string {
	y := fen / 100
	if y >= 10000 {
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("¥%.1f", y/10000), "0"), ".") + "万"
	}
	return fmt.Sprintf("¥%.0f", y)
}

func dailyChart(days []service.DayStat) chartView {
	v := chartView{Width: 960, Height: 280, Left: 48, Top: 34, Right: 900, Bottom: 240}
	v.PlotWidth, v.PlotHeight = v.Right-v.Left, v.Bottom-v.Top
	v.LegendY, v.LegendBarX, v.LegendLineX = 16, v.Left, v.Left+140
	v.AxisLabelY, v.AxisLabel2X, v.BarLabelY = v.Bottom+32, v.Right+8, v.Top-6
	n := len(days)
	if n == 0 {
		return v
	}
	maxApps, maxPremium := 0, service.Money(0)
	for _, d := range days {
		maxApps = max(maxApps, d.Applications)
		maxPremium = max(maxPremium, d.Premium)
		v.TotalApps += d.Applications
	}
	var total service.Money
	for _, d := range days {
		total += d.Premium
	}
	v.TotalPremium = "¥" + total.Yuan()
	// Four intervals of a round step: whole applications, whole yuan.
	appsStep := math.Max(1, niceCeil(float64(maxApps)/4))
	premStep := 100 * math.Max(1, niceCeil(float64(maxPremium)/100/4))
	appsTop, premTop := 4*appsStep, 4*premStep
	slot := float64(v.PlotWidth) / float64(n)
	barW := int(math.Max(2, slot*0.62))
	h := float64(v.PlotHeight)
	for i, d := range days {
		x := float64(v.Left) + slot*float64(i)
		bh := int(math.Round(float64(d.Applications) / appsTop * h))
		v.Bars = append(v.Bars, chartBar{X: int(x + (slot-float64(barW))/2), Y: v.Bottom - bh, W: barW, H: bh,
			Title: fmt.Sprintf("%s：申请 %d 笔，出函 %d 笔，保费 ¥%s", d.Day, d.Applications, d.Issued, d.Premium.Yuan()),
			Today: i == n-1})
		cx := int(x + slot/2)
		cy := v.Bottom - int(math.Round(float64(d.Premium)/premTop*h))
		v.Line += fmt.Sprintf("%d,%d ", cx, cy)
		v.Dots = append(v.Dots, chartDot{X: cx, Y: cy, Title: fmt.Sprintf("%s 保费 ¥%s", d.Day, d.Premium.Yuan())})
		if i%5 == 0 || i == n-1 {
			label := d.Day
			if len(label) == 10 {
				label = label[5:]
			}
			v.XTicks = append(v.XTicks, chartTick{X: cx, Y: v.Bottom + 16, Label: label})
		}
	}
	v.Line = strings.TrimSpace(v.Line)
	for i := 0; i <= 4; i++ {
		y := v.Bottom - int(math.Round(h*float64(i)/4))
		v.YTicks = append(v.YTicks, chartTick{X: v.Left - 8, Y: y, Label: fmt.Sprintf("%g", appsTop*float64(i)/4)})
		v.Y2Ticks = append(v.Y2Ticks, chartTick{X: v.Right + 8, Y: y, Label: shortYuan(premTop * float64(i) / 4)})
	}
	return v
}
