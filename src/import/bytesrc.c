typedef int emb_placeholder_bytesrc;
