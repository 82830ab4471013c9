package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/config"
)

func migrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := e.openStore(cmd.Context(), false)
			if err == nil {
				err = e.migrateJobs(cmd.Context(), st)
				st.Close()
				if err != nil {
					return err
				}
				fmt.Fprintln(e.out, "schema is up to date")
				return nil
			}
			st, err = e.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
			have, _, err := st.SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "migrated %s database to schema version %d\n", st.Engine(), have)
			return nil
		},
	}
}

func configCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration (secrets masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OPTION\tENVIRONMENT\tVALUE\tFROM")
			for _, en := range config.Dump(cmd.Flags()) {
				fmt.Fprintf(tw, "--%s\t%s\t%s\t%s\n", en.Flag, en.Env, en.Value, en.Source)
			}
			return tw.Flush()
		},
	}
	// Every option, the server's too, so the effective value of each can
	// be shown (and tried with a flag).
	config.Bind(&e.cfg, cmd.Flags(), config.Server, config.Ingestion, config.Matching)
	return cmd
}
