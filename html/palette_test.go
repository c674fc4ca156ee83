package html

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// The chart backgrounds of the two themes (assets/report.css: --chart-bg).
var themeBackground = map[string]string{"light": "#ffffff", "dark": "#161a21"}

// TestPaletteContrast: every fill stands out from its chart's background by
// at least 3:1 (WCAG 2.1, 1.4.11 non-text contrast), in both themes.
func TestPaletteContrast(t *testing.T) {
	for _, p := range palette {
		for theme, bg := range themeBackground {
			col := p.Light
			if theme == "dark" {
				col = p.Dark
			}
			if c := contrast(hexRGB(col), hexRGB(bg)); c < 3 {
				t.Errorf("%s theme: %s %s has contrast %.2f:1 against %s, want 3:1", theme, p.Key, col, c, bg)
			}
		}
	}
}

// TestPaletteColourBlind: two categories drawn in the same chart with the
// same pattern and shape differ in colour by a CIEDE2000 of at least 9 for
// normal vision and for simulated protanopia, deuteranopia and tritanopia.
// The pairs issue 17 found confusable are checked by name.
func TestPaletteColourBlind(t *testing.T) {
	const minDE = 9
	for theme := range themeBackground {
		for _, vision := range []string{"normal", "protan", "deutan", "tritan"} {
			for i := range palette {
				for j := i + 1; j < len(palette); j++ {
					a, b := palette[i], palette[j]
					if a.Chart != b.Chart || a.Pattern != b.Pattern || a.Shape != b.Shape {
						continue
					}
					ca, cb := a.Light, b.Light
					if theme == "dark" {
						ca, cb = a.Dark, b.Dark
					}
					if d := ciede2000(lab(simulate(hexRGB(ca), vision)), lab(simulate(hexRGB(cb), vision))); d < minDE {
						t.Errorf("%s theme, %s vision: %s %s and %s %s differ by %.1f, want %d (or different patterns)", theme, vision, a.Key, ca, b.Key, cb, d, minDE)
					}
				}
			}
		}
	}
	// Told apart by pattern, not only by colour.
	for _, pair := range [][2]int{{catRunnable, catPreempted}, {catRunnable, catYielded}, {catMutex, catRWMutex}, {catChanRecv, catChanSend}} {
		if palette[pair[0]].Pattern == palette[pair[1]].Pattern {
			t.Errorf("%s and %s share a pattern", palette[pair[0]].Key, palette[pair[1]].Key)
		}
	}
	// Pairs seen confused in issue 17: far apart for normal vision too.
	for _, pair := range [][2]int{{catMutex, catBlockedGC}, {catMutex, catGCMark}, {catSelect, catNetwork}} {
		a, b := palette[pair[0]], palette[pair[1]]
		if d := ciede2000(lab(hexRGB(a.Light)), lab(hexRGB(b.Light))); d < 20 {
			t.Errorf("%s and %s are too close (%.1f)", a.Key, b.Key, d)
		}
	}
}

// TestPaletteCoversStates: every state and reason the model can hold, and
// any it cannot, maps to a category of the goroutine chart.
func TestPaletteCoversStates(t *testing.T) {
	for s := range parse.State(8) {
		for r := range parse.Reason(parse.NumReasons + 3) {
			c := stateCat(s, r)
			if c < 0 || c >= numCategories || palette[c].Chart != "state" {
				t.Errorf("state %d reason %d maps to %d", s, r, c)
			}
		}
	}
	keys := map[string]bool{}
	for c, p := range palette {
		if p.Key == "" || p.Name == "" || p.Light == "" || p.Dark == "" || keys[p.Key] {
			t.Errorf("category %d is incomplete or repeats a key: %+v", c, p)
		}
		keys[p.Key] = true
		if !slices.Contains(patterns, p.Pattern) {
			t.Errorf("category %s has unknown pattern %q", p.Key, p.Pattern)
		}
	}
}

type rgb [3]float64

func hexRGB(s string) rgb {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return rgb{float64(v>>16&255) / 255, float64(v>>8&255) / 255, float64(v&255) / 255}
}

func linear(c float64) float64 {
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

func gamma(c float64) float64 {
	c = math.Max(0, math.Min(1, c))
	if c <= 0.0031308 {
		return 12.92 * c
	}
	return 1.055*math.Pow(c, 1/2.4) - 0.055
}

func luminance(c rgb) float64 {
	return 0.2126*linear(c[0]) + 0.7152*linear(c[1]) + 0.0722*linear(c[2])
}

// contrast is the WCAG contrast ratio.
func contrast(a, b rgb) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB.
var cvd = map[string][9]float64{
	"protan": {0.152286, 1.052583, -0.204868, 0.114503, 0.786281, 0.099216, -0.003882, -0.048116, 1.051998},
	"deutan": {0.367322, 0.860646, -0.227968, 0.280085, 0.672501, 0.047413, -0.011820, 0.042940, 0.968881},
	"tritan": {1.255528, -0.076749, -0.178779, -0.078411, 0.930809, 0.147602, 0.004733, 0.691367, 0.303900},
}

func simulate(c rgb, vision string) rgb {
	m, ok := cvd[vision]
	if !ok {
		return c
	}
	r, g, b := linear(c[0]), linear(c[1]), linear(c[2])
	return rgb{gamma(m[0]*r + m[1]*g + m[2]*b), gamma(m[3]*r + m[4]*g + m[5]*b), gamma(m[6]*r + m[7]*g + m[8]*b)}
}

// lab is CIELAB (D65).
func lab(c rgb) [3]float64 {
	r, g, b := linear(c[0]), linear(c[1]), linear(c[2])
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

// ciede2000 is the CIEDE2000 colour difference (Sharma, Wu, Dalal 2005).
func ciede2000(p, q [3]float64) float64 {
	rad := math.Pi / 180
	L1, a1, b1 := p[0], p[1], p[2]
	L2, a2, b2 := q[0], q[1], q[2]
	cb := (math.Hypot(a1, b1) + math.Hypot(a2, b2)) / 2
	g := 0.5 * (1 - math.Sqrt(math.Pow(cb, 7)/(math.Pow(cb, 7)+math.Pow(25, 7))))
	a1p, a2p := (1+g)*a1, (1+g)*a2
	c1, c2 := math.Hypot(a1p, b1), math.Hypot(a2p, b2)
	hue := func(x, y float64) float64 {
		if x == 0 && y == 0 {
			return 0
		}
		h := math.Atan2(y, x) / rad
		if h < 0 {
			h += 360
		}
		return h
	}
	h1, h2 := hue(a1p, b1), hue(a2p, b2)
	dh := 0.0
	if c1*c2 != 0 {
		dh = h2 - h1
		if dh > 180 {
			dh -= 360
		} else if dh < -180 {
			dh += 360
		}
	}
	dL, dC := L2-L1, c2-c1
	dH := 2 * math.Sqrt(c1*c2) * math.Sin(dh*rad/2)
	lb, cbp := (L1+L2)/2, (c1+c2)/2
	hb := h1 + h2
	if c1*c2 != 0 {
		if math.Abs(h1-h2) > 180 {
			if h1+h2 < 360 {
				hb += 360
			} else {
				hb -= 360
			}
		}
		hb /= 2
	}
	tt := 1 - 0.17*math.Cos((hb-30)*rad) + 0.24*math.Cos(2*hb*rad) + 0.32*math.Cos((3*hb+6)*rad) - 0.20*math.Cos((4*hb-63)*rad)
	dth := 30 * math.Exp(-math.Pow((hb-275)/25, 2))
	rc := 2 * math.Sqrt(math.Pow(cbp, 7)/(math.Pow(cbp, 7)+math.Pow(25, 7)))
	sl := 1 + 0.015*math.Pow(lb-50, 2)/math.Sqrt(20+math.Pow(lb-50, 2))
	sc := 1 + 0.045*cbp
	sh := 1 + 0.015*cbp*tt
	rt := -math.Sin(2*dth*rad) * rc
	return math.Sqrt(math.Pow(dL/sl, 2) + math.Pow(dC/sc, 2) + math.Pow(dH/sh, 2) + rt*(dC/sc)*(dH/sh))
}

// TestCIEDE2000 checks the formula against Sharma et al.'s test data.
func TestCIEDE2000(t *testing.T) {
	for _, c := range []struct {
		a, b [3]float64
		want float64
	}{
		{[3]float64{50, 2.6772, -79.7751}, [3]float64{50, 0, -82.7485}, 2.0425},
		{[3]float64{50, -1.3802, -84.2814}, [3]float64{50, 0, -82.7485}, 1.0000},
		{[3]float64{50, 2.5, 0}, [3]float64{73, 25, -18}, 27.1492},
		{[3]float64{60.2574, -34.0099, 36.2677}, [3]float64{60.4626, -34.1751, 39.4387}, 1.2644},
		{[3]float64{22.7233, 20.0904, -46.694}, [3]float64{23.0331, 14.973, -42.5619}, 2.0373},
	} {
		if got := ciede2000(c.a, c.b); math.Abs(got-c.want) > 1e-3 {
			t.Errorf("ciede2000(%v, %v) = %.4f, want %.4f", c.a, c.b, got, c.want)
		}
	}
	if c := contrast(hexRGB("#767676"), hexRGB("#ffffff")); math.Abs(c-4.54) > 0.01 {
		t.Errorf("contrast of #767676 on white = %.2f, want 4.54", c)
	}
}
