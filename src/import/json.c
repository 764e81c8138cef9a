typedef int emb_placeholder_json;
