// Lists the names in a folder (the first argument, else /init), one a line.
package main

import (
	"fmt"
	"os"
)

func main() {
	root := "/init"
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, entry := range entries {
		fmt.Println(entry.Name())
	}
}
