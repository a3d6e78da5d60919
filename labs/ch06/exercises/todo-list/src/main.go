// The chapter's to-do list: a small web app whose settings come from appsettings.json, overridden
// by config/config.json and config/secrets.json when they exist (mount them to change the app).
// ConnectionStrings.ToDoDb ("Filename=PATH") says where the list is stored; by default in the
// image's volume, /data.
package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

type settings struct {
	Logging struct {
		LogLevel struct {
			Default string
		}
	}
	ConnectionStrings struct {
		ToDoDb string
	}
}

type todo struct {
	Item  string    `json:"item"`
	Added time.Time `json:"added"`
}

var (
	debug  bool
	dbPath string
	mu     sync.Mutex
)

func logf(level, format string, args ...interface{}) {
	if level == "dbug" && !debug {
		return
	}
	fmt.Printf("%s: ToDoList[0]\n      %s\n", level, fmt.Sprintf(format, args...))
}

// loadSettings reads each file in order; a later file overrides only the keys it sets.
func loadSettings(files ...string) (settings, []string) {
	var s settings
	var used []string
	for i, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			if i == 0 {
				log.Fatalf("cannot read %s: %v", name, err)
			}
			continue // the config files are optional
		}
		if err := json.Unmarshal(data, &s); err != nil {
			log.Fatalf("%s is not valid JSON: %v", name, err)
		}
		used = append(used, name)
	}
	return s, used
}

func readList() ([]todo, error) {
	var list []todo
	data, err := os.ReadFile(dbPath)
	if err != nil {
		return nil, err
	}
	err = json.Unmarshal(data, &list)
	return list, err
}

func writeList(list []todo) error {
	data, _ := json.MarshalIndent(list, "", "  ")
	tmp := dbPath + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dbPath)
}

var pages = template.Must(template.New("").Parse(`
{{define "top"}}<!DOCTYPE html>
<html><head><title>To-Do List</title><link rel="stylesheet" href="/css/site.css"></head>
<body><nav><a href="/">Home</a> | <a href="/list">To-Do List</a> | <a href="/new">Add a to-do</a></nav>{{end}}
{{define "home"}}{{template "top"}}<h1>To-Do List</h1><p>Everything you need to do, in one list.</p></body></html>{{end}}
{{define "list"}}{{template "top"}}<h1>Things to do</h1>
{{if .}}<table>{{range .}}<tr><td>{{.Item}}</td><td>{{.Added.Format "2006-01-02 15:04"}}</td></tr>{{end}}</table>
{{else}}<p>Nothing to do yet: <a href="/new">add one</a>.</p>{{end}}</body></html>{{end}}
{{define "new"}}{{template "top"}}<h1>Add a to-do</h1>
<form method="post" action="/new"><input name="item" autofocus><button>Add</button></form></body></html>{{end}}
`))

func main() {
	s, used := loadSettings("appsettings.json", "config/config.json", "config/secrets.json")
	debug = strings.EqualFold(s.Logging.LogLevel.Default, "Debug")
	logf("dbug", "configuration from: %s", strings.Join(used, ", "))
	dbPath = strings.TrimPrefix(s.ConnectionStrings.ToDoDb, "Filename=")
	if dbPath == "" {
		log.Fatal("no ConnectionStrings:ToDoDb in the configuration")
	}
	// Like a database's first start: make the file, empty, where the settings say.
	if _, err := os.Stat(dbPath); os.IsNotExist(err) {
		if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := writeList([]todo{}); err != nil {
			log.Fatal(err)
		}
		logf("info", "created the database %s", dbPath)
	}
	logf("info", "using the database %s", dbPath)

	http.Handle("/css/", http.FileServer(http.Dir("wwwroot")))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		logf("dbug", "%s %s", r.Method, r.URL.Path)
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		pages.ExecuteTemplate(w, "home", nil)
	})
	http.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
		logf("dbug", "%s %s", r.Method, r.URL.Path)
		mu.Lock()
		list, err := readList()
		mu.Unlock()
		if err != nil {
			logf("fail", "reading %s: %v", dbPath, err)
			http.Error(w, "the database cannot be read", http.StatusInternalServerError)
			return
		}
		pages.ExecuteTemplate(w, "list", list)
	})
	http.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		logf("dbug", "%s %s", r.Method, r.URL.Path)
		if r.Method != http.MethodPost {
			pages.ExecuteTemplate(w, "new", nil)
			return
		}
		item := strings.TrimSpace(r.FormValue("item"))
		if item != "" {
			mu.Lock()
			list, err := readList()
			if err == nil {
				err = writeList(append(list, todo{Item: item, Added: time.Now().UTC()}))
			}
			mu.Unlock()
			if err != nil {
				logf("fail", "saving to %s: %v", dbPath, err)
				http.Error(w, "the to-do could not be saved", http.StatusInternalServerError)
				return
			}
			logf("info", "added a to-do: %s", item)
		}
		http.Redirect(w, r, "/list", http.StatusSeeOther)
	})
	logf("info", "Now listening on: http://[::]:80")
	log.Fatal(http.ListenAndServe(":80", nil))
}
