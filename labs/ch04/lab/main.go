// The chapter 4 lab's web app: serves index.html on port 80, with the user from $USER in it.
package main

import (
	"html/template"
	"log"
	"net/http"
	"os"
)

type page struct {
	User string
}

func main() {
	// index.html is read from the working folder, so the image must put the two side by side.
	tmpl := template.Must(template.ParseFiles("index.html"))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if err := tmpl.Execute(w, page{User: os.Getenv("USER")}); err != nil {
			log.Print(err)
		}
	})
	log.Print("listening on :80")
	log.Fatal(http.ListenAndServe(":80", nil))
}
