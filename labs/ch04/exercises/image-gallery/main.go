// The image gallery's web front end: shows the image of the day from the image API and records
// each visit with the access-log API. Either API may be missing: the page says so and still loads.
package main

import (
	"bytes"
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"os"
	"time"
)

type image struct {
	URL       string `json:"url"`
	Caption   string `json:"caption"`
	Copyright string `json:"copyright"`
	Error     string `json:"-"`
}

func main() {
	tmpl := template.Must(template.ParseFiles("index.html"))
	imageAPI := os.Getenv("IMAGE_API_URL")
	accessAPI := os.Getenv("ACCESS_API_URL")
	// Short timeouts: without its APIs the page must still load at once.
	client := &http.Client{Timeout: time.Second}

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		img := image{}
		if resp, err := client.Get(imageAPI); err != nil {
			img.Error = "no image API at " + imageAPI
		} else {
			if err := json.NewDecoder(resp.Body).Decode(&img); err != nil {
				img.Error = "the image API at " + imageAPI + " did not answer with an image"
			}
			resp.Body.Close()
		}
		if err := tmpl.Execute(w, img); err != nil {
			log.Print(err)
		}
		// The visit is logged after the page has gone out: the visitor never waits for it.
		entry, _ := json.Marshal(map[string]string{"clientIp": r.RemoteAddr})
		go func() {
			if resp, err := client.Post(accessAPI, "application/json", bytes.NewBuffer(entry)); err == nil {
				resp.Body.Close()
			}
		}()
	})
	log.Print("image gallery listening on :80")
	log.Fatal(http.ListenAndServe(":80", nil))
}
