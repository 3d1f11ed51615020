print("esep")
