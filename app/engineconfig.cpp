// placeholder while the engine is wired
