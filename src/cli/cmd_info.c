typedef int emb_placeholder_cmd_info;
