// The Ollama Go engine's image path as a test reference: image.Decode with the formats Ollama
// registers, the composite onto white, SmartResize and draw.BiLinear, and the OpenAI endpoint's
// data-URI rule. Each input frame (see test/helpers/go.ts) is a u32 big-endian length, a JSON
// request and a payload; each answer frame is a u32 length, a JSON reply and a payload.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"os"
	"strings"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

type request struct {
	Op    string `json:"op"`
	Plans []struct {
		Factor    int `json:"factor"`
		MinPixels int `json:"minPixels"`
		MaxPixels int `json:"maxPixels"`
	} `json:"plans"`
	SW  int    `json:"sw"`
	SH  int    `json:"sh"`
	DW  int    `json:"dw"`
	DH  int    `json:"dh"`
	URL string `json:"url"`
}

type planReply struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Panic  string `json:"panic,omitempty"`
}

type reply struct {
	Error  string      `json:"error,omitempty"`
	Type   string      `json:"type,omitempty"`
	Width  int         `json:"width,omitempty"`
	Height int         `json:"height,omitempty"`
	Plans  []planReply `json:"plans,omitempty"`
}

// model/imageproc CompositeColor with white.
func composite(img image.Image) *image.RGBA {
	dst := image.NewRGBA(img.Bounds())
	draw.Draw(dst, dst.Bounds(), &image.Uniform{color.RGBA{255, 255, 255, 255}}, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Over)
	return dst
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// SmartResize of model/models/qwen25vl and qwen3vl, panics included.
func smartResize(height, width, factor, minPixels, maxPixels int) (int, int) {
	if height < factor || width < factor {
		panic(fmt.Sprintf("height:%d or width:%d must be larger than factor:%d", height, width, factor))
	} else if aspectRatio := maxInt(height, width) / minInt(height, width); aspectRatio > 200 {
		panic(fmt.Sprintf("absolute aspect ratio must be smaller than 200, got %v", aspectRatio))
	}
	round := func(x float64) int { return int(math.RoundToEven(x)) }
	hBar := round(float64(height)/float64(factor)) * factor
	wBar := round(float64(width)/float64(factor)) * factor
	if hBar*wBar > maxPixels {
		beta := math.Sqrt(float64(height*width) / float64(maxPixels))
		hBar = int(math.Floor(float64(height)/beta/float64(factor))) * factor
		wBar = int(math.Floor(float64(width)/beta/float64(factor))) * factor
	} else if hBar*wBar < minPixels {
		beta := math.Sqrt(float64(minPixels) / float64(height*width))
		hBar = int(math.Ceil(float64(height)*beta/float64(factor))) * factor
		wBar = int(math.Ceil(float64(width)*beta/float64(factor))) * factor
	}
	return hBar, wBar
}

// model/imageproc Resize with ResizeBilinear.
func resize(img image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Rect, img, img.Bounds(), draw.Over, nil)
	return dst
}

func rgb(img *image.RGBA) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < b.Dx(); x++ {
			out = append(out, row[4*x], row[4*x+1], row[4*x+2])
		}
	}
	return out
}

func plan(img image.Image, factor, minPixels, maxPixels int) (p planReply) {
	defer func() {
		if r := recover(); r != nil {
			p = planReply{Panic: fmt.Sprint(r)}
		}
	}()
	b := img.Bounds()
	h, w := smartResize(b.Dy(), b.Dx(), factor, minPixels, maxPixels)
	return planReply{Width: w, Height: h}
}

// openai/openai.go decodeImageURL.
func decodeImageURL(url string) ([]byte, error) {
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
		return nil, errors.New("image URLs are not currently supported, please use base64 encoded data instead")
	}
	types := []string{"jpeg", "jpg", "png", "webp"}
	if strings.HasPrefix(url, "data:;base64,") {
		url = strings.TrimPrefix(url, "data:;base64,")
	} else {
		valid := false
		for _, t := range types {
			prefix := "data:image/" + t + ";base64,"
			if strings.HasPrefix(url, prefix) {
				url = strings.TrimPrefix(url, prefix)
				valid = true
				break
			}
		}
		if !valid {
			return nil, errors.New("invalid image input")
		}
	}
	img, err := base64.StdEncoding.DecodeString(url)
	if err != nil {
		return nil, errors.New("invalid image input")
	}
	return img, nil
}

func handle(req request, payload []byte) (reply, []byte) {
	switch req.Op {
	case "image":
		img, _, err := image.Decode(bytes.NewReader(payload))
		if err != nil {
			return reply{Error: err.Error()}, nil
		}
		flat := composite(img)
		out := rgb(flat)
		b := flat.Bounds()
		r := reply{Type: fmt.Sprintf("%T", img), Width: b.Dx(), Height: b.Dy()}
		for _, p := range req.Plans {
			pr := plan(flat, p.Factor, p.MinPixels, p.MaxPixels)
			if pr.Panic == "" {
				out = append(out, rgb(resize(flat, pr.Width, pr.Height))...)
			}
			r.Plans = append(r.Plans, pr)
		}
		return r, out
	case "scale":
		src := image.NewRGBA(image.Rect(0, 0, req.SW, req.SH))
		for i := 0; i < req.SW*req.SH; i++ {
			copy(src.Pix[4*i:4*i+3], payload[3*i:3*i+3])
			src.Pix[4*i+3] = 255
		}
		return reply{Width: req.DW, Height: req.DH}, rgb(resize(src, req.DW, req.DH))
	case "url":
		data, err := decodeImageURL(req.URL)
		if err != nil {
			return reply{Error: err.Error()}, nil
		}
		return reply{}, data
	}
	return reply{Error: "unknown op " + req.Op}, nil
}

func readFrame(r io.Reader) ([]byte, error) {
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	_, err := io.ReadFull(r, buf)
	return buf, err
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	for {
		frame, err := readFrame(in)
		if err == io.EOF {
			return
		}
		if err != nil {
			panic(err)
		}
		n := binary.BigEndian.Uint32(frame)
		var req request
		if err := json.Unmarshal(frame[4:4+n], &req); err != nil {
			panic(err)
		}
		r, data := handle(req, frame[4+n:])
		head, _ := json.Marshal(r)
		binary.Write(out, binary.BigEndian, uint32(4+len(head)+len(data)))
		binary.Write(out, binary.BigEndian, uint32(len(head)))
		out.Write(head)
		out.Write(data)
	}
}
