// Command tend is the Tend Customer Success platform: server, CLI and tools.
package main

import (
	"os"

	"github.com/tendhq/tend/internal/cli"
)

func main() { os.Exit(cli.Main()) }
