package test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// fallbackPNG is a plain grey screen, sent when libvirt's own test image
// is not installed.
func fallbackPNG() []byte {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.Gray{Y: 0})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
