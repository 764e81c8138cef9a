typedef int emb_placeholder_version;
