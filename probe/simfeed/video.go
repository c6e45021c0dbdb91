package simfeed

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Video items: a share of the catalogue (Config.VideoShare) are videos of
// 4 to Config.VideoSeconds seconds. An item page plays its video from
// /media/ID.wav, a silent PCM WAV the server generates (any Chromium plays
// it, with no codec and no external file), and its script reports the
// media time played to POST /api/event (type "play"): the recommender
// learns from it as from dwell, and /truth gives each user's played time
// per item.

// Limits of the video knobs.
const (
	minVideoSeconds     = 4
	defaultVideoSeconds = 20
	maxVideoSeconds     = 600
	// wavRate is the sample rate (Hz) of the generated audio: 8-bit mono,
	// 8 KB per second.
	wavRate = 8000
)

// markVideos sets the length of the video items of items. It draws from
// its own hash of the seed, so the rest of the catalogue is the same with
// or without videos.
func markVideos(cfg Config, items []Item) {
	if cfg.VideoShare <= 0 {
		return
	}
	top := cfg.VideoSeconds
	if top == 0 {
		top = defaultVideoSeconds
	}
	for i := range items {
		if items[i].Region != "" {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatInt(cfg.Seed, 10) + "/video/" + items[i].ID))
		x := h.Sum64()
		if float64(x%1_000_000)/1_000_000 < cfg.VideoShare {
			items[i].VideoSeconds = minVideoSeconds + int((x>>20)%uint64(top-minVideoSeconds+1))
		}
	}
}

// wav returns a silent 8-bit mono PCM WAV of the given length.
func wav(seconds int) []byte {
	n := seconds * wavRate
	var b bytes.Buffer
	b.Grow(44 + n)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))      // fmt chunk size
	binary.Write(&b, binary.LittleEndian, uint16(1))       // PCM
	binary.Write(&b, binary.LittleEndian, uint16(1))       // mono
	binary.Write(&b, binary.LittleEndian, uint32(wavRate)) // sample rate
	binary.Write(&b, binary.LittleEndian, uint32(wavRate)) // byte rate
	binary.Write(&b, binary.LittleEndian, uint16(1))       // block align
	binary.Write(&b, binary.LittleEndian, uint16(8))       // bits per sample
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	b.Write(bytes.Repeat([]byte{0x80}, n)) // 8-bit silence is 128
	return b.Bytes()
}

// handleMedia serves a video item's media.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".wav")
	if !ok || !itemIDPattern.MatchString(id) {
		http.NotFound(w, r)
		return
	}
	it, err := s.item(id)
	if err != nil || it.VideoSeconds == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, id+".wav", time.Time{}, bytes.NewReader(wav(it.VideoSeconds)))
}

// recordPlay records the media time one page view of an item played, in
// milliseconds; a view reports its running total, so only the growth
// counts. The recommender learns from the growth as from dwell. The
// caller holds s.mu.
func (s *Server) recordPlay(u *user, it *Item, view string, ms int64) {
	key := it.ID + "/" + view
	prev := u.playViews[key]
	if ms <= prev {
		return
	}
	u.playViews[key] = ms
	u.playedMS[it.ID] += ms - prev
	s.learn(u, it, 2*min(float64(ms-prev)/float64(s.cfg.DwellFullMS), 1))
}
