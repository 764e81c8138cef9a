typedef int emb_placeholder_cli_util;
